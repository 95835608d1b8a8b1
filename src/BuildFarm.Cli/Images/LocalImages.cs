using System.Text.RegularExpressions;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;

namespace BuildFarm.Cli.Images;

/// <summary>
/// The images of a data directory: its content store, whose image names are normalised image
/// references (<c>docker.io/library/busybox:latest</c>), looked up the way docker looks images up
/// (by name, else by ID prefix). Everything written through <see cref="Blobs"/> is held by a lease
/// of this command until <see cref="Dispose"/>, so nothing is evicted before it is named.
/// </summary>
internal sealed partial class LocalImages : IDisposable
{
    // An image loaded without a name is kept under this prefix and its digest, which no image
    // reference can be, so that it is listed (as <none>) and kept until it is named or removed.
    private const string UnnamedPrefix = "<none>@";

    private readonly ContentStore _store;
    private readonly string _leaseId;

    private LocalImages(ContentStore store, string leaseId)
    {
        _store = store;
        _leaseId = leaseId;
        Blobs = new ContentStoreBlobs(store, leaseId);
    }

    /// <exception cref="IOException">Another command has the data directory open, or it cannot be used.</exception>
    public static LocalImages Open(string dataDirectory, TimeProvider time)
    {
        var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = dataDirectory }, time);
        var leaseId = $"farm-cli-{Guid.NewGuid():N}";
        store.Leases.Create(leaseId);
        return new LocalImages(store, leaseId);
    }

    public string DataDirectory => _store.DataDirectory;

    public ContentStoreBlobs Blobs { get; }

    public IReadOnlyList<LocalImage> List() => [.. _store.Images.List().Select(ToLocalImage)];

    public LocalImage? Find(ImageReference name) =>
        _store.Images.Get(name.ToString()) is { } record ? new LocalImage(name, record.Target) : null;

    /// <summary>
    /// The image a user means: by name first, else by ID (<c>sha256:</c> optional, any prefix of
    /// the hex digits), as docker resolves <c>docker tag</c>'s and <c>docker save</c>'s arguments.
    /// </summary>
    /// <exception cref="FarmException">No image, or more than one, matches.</exception>
    public async Task<LocalImage> ResolveAsync(string nameOrId, CancellationToken cancellationToken)
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
                    return new LocalImage(null, matches[0]);
                case > 1:
                    throw new FarmException($"The ID prefix '{nameOrId}' matches {matches.Count} images; give more of it.");
            }
        }

        throw new FarmException(isName ? $"No such image: {ImageNames.Familiar(name!)}" : error!);
    }

    /// <summary>The names of an image (none for an unnamed one), in ordinal order.</summary>
    public IReadOnlyList<LocalImage> WithTarget(Digest target) => [.. List().Where(image => image.Target.Digest == target)];

    public Task<ImageSummary> SummarizeAsync(Descriptor target, CancellationToken cancellationToken) =>
        ImageSummary.ReadAsync(Blobs, target, cancellationToken);

    /// <summary>Names an image (replacing what the name named) and returns what the name named before.</summary>
    public LocalImage? Name(ImageReference name, Descriptor target)
    {
        var previous = Find(name);
        _store.Images.Set(name.ToString(), WithoutNames(target));
        _store.Images.Delete(UnnamedKey(target));
        return previous;
    }

    /// <summary>Keeps an image that came without a name, unless a name holds it already.</summary>
    public void AddUnnamed(Descriptor target)
    {
        if (WithTarget(target.Digest).Count == 0)
        {
            _store.Images.Set(UnnamedKey(target), WithoutNames(target));
        }
    }

    /// <summary>Removes a name, or the entry of an unnamed image; its blobs stay until eviction needs the room.</summary>
    public bool Remove(LocalImage image) =>
        _store.Images.Delete(image.Name?.ToString() ?? UnnamedKey(image.Target));

    public void Dispose()
    {
        _store.Leases.Delete(_leaseId);
        _store.Dispose();
    }

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

    private static LocalImage ToLocalImage(ImageRecord record) =>
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
