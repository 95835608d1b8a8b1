using BuildFarm.Oci.Blobs;

namespace BuildFarm.Oci.Images;

/// <summary>
/// What an image listing shows of an image. The ID is the config digest for a single-platform
/// image (docker's classic store does the same, so IDs match <c>docker images</c> there) and the
/// index digest for a multi-platform one. The size is the sum of the layer blobs as stored
/// (compressed), each layer counted once.
/// </summary>
public sealed record ImageSummary(Digest Id, DateTimeOffset? Created, long Size)
{
    /// <summary>Reads the summary of a manifest or index from the blobs it reaches.</summary>
    public static async Task<ImageSummary> ReadAsync(IBlobReader blobs, Descriptor target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(target);
        if (MediaTypes.IsManifest(target.MediaType))
        {
            var (manifest, config) = await blobs.ReadImageAsync(target, cancellationToken).ConfigureAwait(false);
            return new ImageSummary(manifest.Config.Digest, config.Created, manifest.Layers.DistinctBy(static l => l.Digest).Sum(static l => l.Size));
        }

        var index = ImageIndex.Parse(await blobs.ReadDocumentAsync(target, cancellationToken).ConfigureAwait(false));
        var layers = new Dictionary<Digest, long>();
        DateTimeOffset? created = null;
        foreach (var child in index.Manifests.Where(static m => MediaTypes.IsManifest(m.MediaType)))
        {
            var (manifest, config) = await blobs.ReadImageAsync(child, cancellationToken).ConfigureAwait(false);
            foreach (var layer in manifest.Layers)
            {
                layers[layer.Digest] = layer.Size;
            }

            created = created is null || config.Created > created ? config.Created : created;
        }

        return new ImageSummary(target.Digest, created, layers.Values.Sum());
    }
}
