using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Registry;

/// <summary>
/// Pulls an image into a blob store (<see cref="IBlobWriter"/>): the manifest (an index is
/// resolved to one platform), the config and the layers, each verified, skipping blobs the store
/// holds already. Blobs are
/// written before the manifest that names them, and the manifest before its index, so a store
/// that holds a manifest holds everything under it.
/// </summary>
public sealed class ImagePuller(RegistryClient client)
{
    public static Platform DefaultPlatform { get; } = new() { OS = "linux", Architecture = "amd64" };

    /// <param name="platform">The platform picked from an index; linux/amd64 when null.</param>
    public async Task<PulledImage> PullAsync(ImageReference reference, IBlobWriter sink, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(sink);
        platform ??= DefaultPlatform;

        var top = await client.GetManifestAsync(reference, cancellationToken).ConfigureAwait(false);
        ManifestContent manifest;
        Descriptor manifestDescriptor;
        if (top.IsIndex)
        {
            var chosen = ChoosePlatform(ParseIndex(top, reference), platform, reference);
            manifest = await client.GetManifestAsync(ImageReference.ForDigest(reference.Repository, chosen.Digest), cancellationToken).ConfigureAwait(false);
            if (manifest.Bytes.LongLength != chosen.Size)
            {
                throw new RegistryException($"{reference}: manifest {chosen.Digest} is {manifest.Bytes.LongLength} bytes, the index says {chosen.Size}.");
            }

            if (manifest.IsIndex)
            {
                throw new RegistryException($"{reference}: the index entry for {platform} is another index ({manifest.Digest}); nested indexes are not supported.");
            }

            manifestDescriptor = manifest.ToDescriptor() with { Platform = chosen.Platform };
        }
        else
        {
            manifest = top;
            manifestDescriptor = top.ToDescriptor();
        }

        var image = ParseManifest(manifest, reference);
        var blobs = image.Layers.Prepend(image.Config).DistinctBy(static d => d.Digest).ToList();
        await Parallel.ForEachAsync(
            blobs,
            new ParallelOptions { MaxDegreeOfParallelism = client.Options.MaxConcurrentTransfers, CancellationToken = cancellationToken },
            async (blob, ct) =>
            {
                if (!await sink.ExistsAsync(blob.Digest, ct).ConfigureAwait(false))
                {
                    await using var content = await client.OpenBlobAsync(reference.Repository, blob, ct).ConfigureAwait(false);
                    await sink.WriteBlobAsync(content, blob.Digest, ct).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);

        await sink.WriteBlobAsync(manifest.MediaType, manifest.Bytes, cancellationToken).ConfigureAwait(false);
        if (top.IsIndex)
        {
            await sink.WriteBlobAsync(top.MediaType, top.Bytes, cancellationToken).ConfigureAwait(false);
        }

        return new PulledImage(
            ImageReference.ForDigest(reference.Repository, manifest.Digest),
            manifestDescriptor,
            image,
            top.IsIndex ? top.ToDescriptor() : null);
    }

    private static Descriptor ChoosePlatform(ImageIndex index, Platform wanted, ImageReference reference)
    {
        if (index.FindManifest(wanted) is { } match)
        {
            return match;
        }

        var available = index.Manifests.Select(static m => m.Platform?.ToString() ?? "(no platform)").ToList();
        throw new RegistryException(
            $"{reference}: the index has no manifest for {wanted}; it has {(available.Count == 0 ? "none" : string.Join(", ", available))}.");
    }

    private static ImageIndex ParseIndex(ManifestContent content, ImageReference reference)
    {
        try
        {
            return ImageIndex.Parse(content.Bytes);
        }
        catch (InvalidDataException e)
        {
            throw new RegistryException($"{reference}: {e.Message}", innerException: e);
        }
    }

    private static ImageManifest ParseManifest(ManifestContent content, ImageReference reference)
    {
        try
        {
            return ImageManifest.Parse(content.Bytes);
        }
        catch (InvalidDataException e)
        {
            throw new RegistryException($"{reference}: {e.Message}", innerException: e);
        }
    }
}
