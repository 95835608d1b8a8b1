using System.Text.Json;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Content;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>Finds base images in the content store: by name (loaded, pulled or built earlier) or by digest.</summary>
internal static class StoredImages
{
    /// <exception cref="BaseImageNotFoundException">The store has no image by that name or digest, or lacks one of its blobs.</exception>
    public static async Task<BaseImage> ResolveAsync(ContentStore store, string reference, Platform platform, CancellationToken cancellationToken)
    {
        var parsed = ImageReference.Parse(reference);
        var blobs = new ContentStoreBlobs(store);
        var target = parsed.Digest is { } digest
            ? FindByDigest(store, digest)
            : store.Images.Get(reference)?.Target;
        if (target is null)
        {
            throw new BaseImageNotFoundException(reference, "no image by that name is loaded or pulled (farm load / farm pull)");
        }

        try
        {
            if (MediaTypes.IsIndex(target.MediaType))
            {
                var index = ImageIndex.Parse(await blobs.ReadDocumentAsync(target, cancellationToken).ConfigureAwait(false));
                target = index.FindManifest(platform)
                    ?? throw new BaseImageNotFoundException(reference, $"its index has no manifest for {platform}");
            }

            var (manifest, config) = await blobs.ReadImageAsync(target, cancellationToken).ConfigureAwait(false);
            if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            {
                throw new BaseImageNotFoundException(reference, $"its config lists {config.RootFs.DiffIds.Count} diffIDs for {manifest.Layers.Count} layers");
            }

            // The uncompressed size is not in a manifest; 0 says "unknown", and nothing here needs it.
            var layers = manifest.Layers.Select((layer, i) => new LayerBlob(layer, config.RootFs.DiffIds[i], 0)).ToList();
            if (layers.FirstOrDefault(layer => !store.Exists(layer.Descriptor.Digest)) is { } missing)
            {
                throw new BaseImageNotFoundException(reference, $"its layer {missing.Descriptor.Digest} is not in the store");
            }

            return new BaseImage(reference, config, layers);
        }
        catch (Storage.Content.BlobNotFoundException e)
        {
            throw new BaseImageNotFoundException(reference, e.Message);
        }
    }

    private static Descriptor? FindByDigest(ContentStore store, Digest digest)
    {
        if (store.GetInfo(digest) is not { } info)
        {
            return null;
        }

        // An index is the document with a manifests list (a mediaType field is optional in both kinds).
        using var stream = store.OpenRead(digest);
        using var document = JsonDocument.Parse(stream);
        var mediaType = document.RootElement.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : MediaTypes.OciManifest;
        return new Descriptor { MediaType = mediaType, Digest = digest, Size = info.Size };
    }
}
