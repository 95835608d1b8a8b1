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
    /// <param name="layersElsewhere">
    /// Whether the layers may be missing: in a cluster they are fetched from the silos that hold
    /// them when a step reads them, so a build that hits throughout never copies them.
    /// </param>
    /// <exception cref="BaseImageNotFoundException">The store has no image by that name or digest, or lacks one of its blobs.</exception>
    public static async Task<BaseImage> ResolveAsync(ContentStore store, string reference, Platform platform, CancellationToken cancellationToken, bool layersElsewhere = false)
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

        var resolved = target.Digest;

        if (MediaTypes.IsIndex(target.MediaType))
        {
            var index = ImageIndex.Parse(await ReadAsync(reference, () => blobs.ReadDocumentAsync(target, cancellationToken)).ConfigureAwait(false));
            target = index.FindManifest(platform)
                ?? throw new BaseImageNotFoundException(reference, $"its index has no manifest for {platform}");
        }

        var image = await ReadManifestAsync(store, reference, target, cancellationToken).ConfigureAwait(false);
        if (!layersElsewhere && image.Layers.FirstOrDefault(layer => !store.Exists(layer.Descriptor.Digest)) is { } missing)
        {
            throw new BaseImageNotFoundException(reference, $"its layer {missing.Descriptor.Digest} is not in the store");
        }

        return image with { Resolved = resolved };
    }

    /// <summary>
    /// The image whose platform manifest is <paramref name="manifest"/>, as a step description names
    /// it: its manifest and config must be in the store, its layers need not be (a step fetches the
    /// ones it reads).
    /// </summary>
    /// <exception cref="BaseImageNotFoundException">The manifest or config is not in the store, or they disagree.</exception>
    public static Task<BaseImage> ReadManifestAsync(ContentStore store, string reference, Digest manifest, CancellationToken cancellationToken)
    {
        var info = store.GetInfo(manifest) ?? throw new BaseImageNotFoundException(reference, $"its manifest {manifest} is not in the store");
        return ReadManifestAsync(store, reference, new Descriptor { MediaType = MediaTypes.OciManifest, Digest = manifest, Size = info.Size }, cancellationToken);
    }

    private static async Task<BaseImage> ReadManifestAsync(ContentStore store, string reference, Descriptor target, CancellationToken cancellationToken)
    {
        var (manifest, config) = await ReadAsync(reference, () => new ContentStoreBlobs(store).ReadImageAsync(target, cancellationToken)).ConfigureAwait(false);
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            throw new BaseImageNotFoundException(reference, $"its config lists {config.RootFs.DiffIds.Count} diffIDs for {manifest.Layers.Count} layers");
        }

        // The uncompressed size is not in a manifest; 0 says "unknown", and nothing here needs it.
        var layers = manifest.Layers.Select((layer, i) => new LayerBlob(layer, config.RootFs.DiffIds[i], 0)).ToList();
        return new BaseImage(reference, target.Digest, config, layers);
    }

    private static async Task<T> ReadAsync<T>(string reference, Func<ValueTask<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
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
