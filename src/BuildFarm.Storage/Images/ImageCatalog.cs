using System.Text.RegularExpressions;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Images;

/// <summary>
/// The images of a content store as users see them: names are normalised image references
/// (<c>docker.io/library/busybox:latest</c>), an image loaded without a name is kept and listed
/// too, and an image is looked up the way docker looks images up (by name, else by ID prefix).
/// The names live in <see cref="IImageNames"/>: the store's own, or the cluster's.
/// </summary>
public sealed partial class ImageCatalog
{
    // An image loaded without a name is kept under this prefix and its digest, which no image
    // reference can be, so that it is listed (as <none>) and kept until it is named or removed.
    private const string UnnamedPrefix = "<none>@";

    private readonly ContentStore _store;
    private readonly IImageNames _names;
    private readonly IBlobAvailability _availability;

    /// <summary>The catalog of the store's own names.</summary>
    public ImageCatalog(ContentStore store)
        : this(store, new LocalImageNames((store ?? throw new ArgumentNullException(nameof(store))).Images))
    {
    }

    /// <summary>
    /// The catalog of <paramref name="names"/>, whose images' blobs are read from <paramref name="store"/>
    /// once <paramref name="availability"/> made them local (by default, what the store lacks stays missing).
    /// </summary>
    public ImageCatalog(ContentStore store, IImageNames names, IBlobAvailability? availability = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(names);
        _store = store;
        _names = names;
        _availability = availability ?? LocalBlobAvailability.Instance;
        Blobs = new ContentStoreBlobs(store);
    }

    /// <summary>The store's blobs, to read images (they hold no lease).</summary>
    public ContentStoreBlobs Blobs { get; }

    /// <summary>Starts receiving the blobs of images to be named; dispose it once they are named.</summary>
    public ImageImport BeginImport() => new(_store);

    /// <summary>Every name, and every unnamed image, in the ordinal order of their keys.</summary>
    public async Task<IReadOnlyList<CatalogImage>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await _names.ListAsync(cancellationToken).ConfigureAwait(false)).Select(ToCatalogImage)];

    public async Task<CatalogImage?> FindAsync(ImageReference name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return await _names.GetAsync(name.ToString(), cancellationToken).ConfigureAwait(false) is { } record ? new CatalogImage(name, record.Target) : null;
    }

    /// <summary>
    /// The image a user means: by name first, else by ID (<c>sha256:</c> optional, any prefix of
    /// the hex digits), as docker resolves <c>docker tag</c>'s and <c>docker save</c>'s arguments.
    /// An image found by ID comes without a name.
    /// </summary>
    /// <exception cref="FormatException"><paramref name="nameOrId"/> is neither an image reference nor an ID.</exception>
    /// <exception cref="ImageNotFoundException">No image matches.</exception>
    /// <exception cref="ImageConflictException">More than one image matches the ID prefix.</exception>
    public async Task<CatalogImage> ResolveAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var isName = ImageReference.TryParse(nameOrId, out var name, out var error);
        if (isName && await FindAsync(name!, cancellationToken).ConfigureAwait(false) is { } named)
        {
            return named;
        }

        if (IdPrefix().Match(nameOrId) is { Success: true } id)
        {
            var matches = await FindByIdPrefixAsync(id.Groups["hex"].Value, cancellationToken).ConfigureAwait(false);
            switch (matches.Count)
            {
                case 1:
                    return new CatalogImage(null, matches[0]);
                case > 1:
                    throw new ImageConflictException($"The ID prefix '{nameOrId}' matches {matches.Count} images; give more of it.");
            }
        }

        throw isName ? NotFound(name!) : new FormatException(error);
    }

    /// <summary>The names of an image (none for an unnamed one), in ordinal order.</summary>
    public async Task<IReadOnlyList<CatalogImage>> WithTargetAsync(Digest target, CancellationToken cancellationToken = default) =>
        [.. (await ListAsync(cancellationToken).ConfigureAwait(false)).Where(image => image.Target.Digest == target)];

    public async Task<ImageSummary> SummarizeAsync(Descriptor target, CancellationToken cancellationToken = default)
    {
        await EnsureLocalAsync(target, withLayers: false, cancellationToken).ConfigureAwait(false);
        return await ImageSummary.ReadAsync(Blobs, target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes local what reading the image needs: its index, manifests and configs, and with
    /// <paramref name="withLayers"/> its layers (to save or push it). A document still missing
    /// afterwards ends its branch; the read that needs it says what is missing.
    /// </summary>
    public Task EnsureLocalAsync(Descriptor target, bool withLayers, CancellationToken cancellationToken = default) =>
        _availability.EnsureImageLocalAsync(_store, target, withLayers, cancellationToken);

    /// <summary>Names an image (replacing what the name named) and returns what the name named before.</summary>
    public async Task<CatalogImage?> NameAsync(ImageReference name, Descriptor target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(target);
        var previous = await _names.SetAsync(name.ToString(), WithoutNames(target), cancellationToken).ConfigureAwait(false);
        await _names.DeleteAsync(UnnamedKey(target), cancellationToken).ConfigureAwait(false);
        return previous is null ? null : new CatalogImage(name, previous.Target);
    }

    /// <summary>Keeps an image that came without a name, unless a name holds it already.</summary>
    public async Task AddUnnamedAsync(Descriptor target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if ((await WithTargetAsync(target.Digest, cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            await _names.SetAsync(UnnamedKey(target), WithoutNames(target), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What <c>docker rmi</c> does: by name it removes that name; by ID it removes the image's only
    /// name, or every name with <paramref name="force"/>, or the entry of an unnamed image. The
    /// blobs stay in the store until eviction needs their room.
    /// </summary>
    /// <exception cref="ImageConflictException">The image, given by ID, has several names and <paramref name="force"/> is false.</exception>
    public async Task<ImageRemoval> RemoveAsync(string nameOrId, bool force, CancellationToken cancellationToken = default)
    {
        var image = await ResolveAsync(nameOrId, cancellationToken).ConfigureAwait(false);
        var id = (await SummarizeAsync(image.Target, cancellationToken).ConfigureAwait(false)).Id;
        var removed = image.Name is null ? await WithTargetAsync(image.Target.Digest, cancellationToken).ConfigureAwait(false) : [image];
        if (removed.Count(static i => i.Name is not null) > 1 && !force)
        {
            throw new ImageConflictException($"conflict: unable to delete {ImageNames.Short(id)} (must be forced) - image is referenced in multiple repositories");
        }

        foreach (var entry in removed)
        {
            await _names.DeleteAsync(entry.Name?.ToString() ?? UnnamedKey(entry.Target), cancellationToken).ConfigureAwait(false);
        }

        return new ImageRemoval(id, removed);
    }

    /// <summary>docker's message for a name that names nothing.</summary>
    public static ImageNotFoundException NotFound(ImageReference name) => new($"No such image: {ImageNames.Familiar(name)}");

    private async Task<List<Descriptor>> FindByIdPrefixAsync(string hex, CancellationToken cancellationToken)
    {
        var matches = new List<Descriptor>();
        foreach (var target in (await ListAsync(cancellationToken).ConfigureAwait(false)).Select(static image => image.Target).DistinctBy(static target => target.Digest))
        {
            var summary = await SummarizeAsync(target, cancellationToken).ConfigureAwait(false);
            if (summary.Id.Hex.StartsWith(hex, StringComparison.Ordinal))
            {
                matches.Add(target);
            }
        }

        return matches;
    }

    private static string UnnamedKey(Descriptor target) => UnnamedPrefix + target.Digest;

    private static CatalogImage ToCatalogImage(ImageRecord record) =>
        new(ImageReference.TryParse(record.Name, out var name, out _) ? name : null, record.Target);

    // An image's names live in the image store; annotations that carried them in an archive would
    // follow the image to its next name.
    private static Descriptor WithoutNames(Descriptor target)
    {
        var annotations = target.Annotations?
            .Where(static a => a.Key is not (AnnotationKeys.RefName or AnnotationKeys.ContainerdImageName))
            .ToDictionary(StringComparer.Ordinal);
        return target with { Annotations = annotations is { Count: > 0 } ? annotations : null };
    }

    [GeneratedRegex("^(sha256:)?(?<hex>[0-9a-f]{1,64})$")]
    private static partial Regex IdPrefix();
}
