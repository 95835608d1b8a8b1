using System.Text.RegularExpressions;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Images;

/// <summary>
/// The images of a content store as users see them: names are normalised image references
/// (<c>docker.io/library/busybox:latest</c>), an image loaded without a name is kept and listed
/// too, and an image is looked up the way docker looks images up (by name, else by ID prefix).
/// </summary>
public sealed partial class ImageCatalog
{
    // An image loaded without a name is kept under this prefix and its digest, which no image
    // reference can be, so that it is listed (as <none>) and kept until it is named or removed.
    private const string UnnamedPrefix = "<none>@";

    private readonly ContentStore _store;

    public ImageCatalog(ContentStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        Blobs = new ContentStoreBlobs(store);
    }

    /// <summary>The store's blobs, to read images (they hold no lease).</summary>
    public ContentStoreBlobs Blobs { get; }

    /// <summary>Starts receiving the blobs of images to be named; dispose it once they are named.</summary>
    public ImageImport BeginImport() => new(_store);

    /// <summary>Every name, and every unnamed image, in the ordinal order of their keys.</summary>
    public IReadOnlyList<CatalogImage> List() => [.. _store.Images.List().Select(ToCatalogImage)];

    public CatalogImage? Find(ImageReference name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _store.Images.Get(name.ToString()) is { } record ? new CatalogImage(name, record.Target) : null;
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
        if (isName && Find(name!) is { } named)
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
    public IReadOnlyList<CatalogImage> WithTarget(Digest target) => [.. List().Where(image => image.Target.Digest == target)];

    public Task<ImageSummary> SummarizeAsync(Descriptor target, CancellationToken cancellationToken = default) =>
        ImageSummary.ReadAsync(Blobs, target, cancellationToken);

    /// <summary>Names an image (replacing what the name named) and returns what the name named before.</summary>
    public CatalogImage? Name(ImageReference name, Descriptor target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var previous = Find(name);
        _store.Images.Set(name.ToString(), WithoutNames(target));
        _store.Images.Delete(UnnamedKey(target));
        return previous;
    }

    /// <summary>Keeps an image that came without a name, unless a name holds it already.</summary>
    public void AddUnnamed(Descriptor target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (WithTarget(target.Digest).Count == 0)
        {
            _store.Images.Set(UnnamedKey(target), WithoutNames(target));
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
        var removed = image.Name is null ? WithTarget(image.Target.Digest) : [image];
        if (removed.Count(static i => i.Name is not null) > 1 && !force)
        {
            throw new ImageConflictException($"conflict: unable to delete {ImageNames.Short(id)} (must be forced) - image is referenced in multiple repositories");
        }

        foreach (var entry in removed)
        {
            _store.Images.Delete(entry.Name?.ToString() ?? UnnamedKey(entry.Target));
        }

        return new ImageRemoval(id, removed);
    }

    /// <summary>docker's message for a name that names nothing.</summary>
    public static ImageNotFoundException NotFound(ImageReference name) => new($"No such image: {ImageNames.Familiar(name)}");

    private async Task<List<Descriptor>> FindByIdPrefixAsync(string hex, CancellationToken cancellationToken)
    {
        var matches = new List<Descriptor>();
        foreach (var target in List().Select(static image => image.Target).DistinctBy(static target => target.Digest))
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
