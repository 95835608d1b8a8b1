using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Images;

/// <summary>Makes a whole image local through an <see cref="IBlobAvailability"/>, a document before what it lists.</summary>
public static class ImageAvailability
{
    /// <summary>
    /// Makes local what reading the image needs: its index, manifests and configs, and with
    /// <paramref name="withLayers"/> its layers (to save, push or export it). A document still
    /// missing afterwards ends its branch; the read that needs it says what is missing.
    /// </summary>
    public static async Task EnsureImageLocalAsync(this IBlobAvailability availability, ContentStore store, Descriptor target, bool withLayers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(availability);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(target);
        if (availability is LocalBlobAvailability)
        {
            return; // nothing can be fetched: the reads say what is missing
        }

        var blobs = new ContentStoreBlobs(store);
        var pending = new Queue<Descriptor>([target]);
        while (pending.TryDequeue(out var document))
        {
            await availability.EnsureLocalAsync([document.Digest], cancellationToken).ConfigureAwait(false);
            if (!store.Exists(document.Digest))
            {
                continue;
            }

            if (MediaTypes.IsIndex(document.MediaType))
            {
                foreach (var manifest in ImageIndex.Parse(await blobs.ReadDocumentAsync(document, cancellationToken).ConfigureAwait(false)).Manifests)
                {
                    pending.Enqueue(manifest);
                }
            }
            else if (MediaTypes.IsManifest(document.MediaType))
            {
                var manifest = ImageManifest.Parse(await blobs.ReadDocumentAsync(document, cancellationToken).ConfigureAwait(false));
                Digest[] reached = withLayers ? [manifest.Config.Digest, .. manifest.Layers.Select(static layer => layer.Digest)] : [manifest.Config.Digest];
                await availability.EnsureLocalAsync(reached, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
