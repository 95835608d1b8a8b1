using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;

namespace BuildFarm.Grains.Images;

/// <summary>
/// Makes an image this silo names reachable from every silo: each blob it reaches here (manifest,
/// config, layers, and the base layers a load or pull brought) is listed on its
/// <see cref="ILayerGrain"/> with this silo as a holder, and copied until the cluster's replica
/// count of silos hold it, so that losing a silo loses no named image. Step layers are replicated
/// already, and cost a look-up.
/// </summary>
public sealed class ImageReplication(IGrainFactory grains, ContentStore store, ClusterSilos silos, LayerReplication replication)
{
    /// <summary>Lists this silo as a holder of what <paramref name="target"/> reaches here and copies it to other silos.</summary>
    public Task ReplicateAsync(Descriptor target, CancellationToken cancellationToken) =>
        ForEachBlobAsync(target, (digest, info) => replication.ReplicateAsync(digest, info, silos.Self, cancellationToken));

    /// <summary>
    /// Lists this silo as a holder of what <paramref name="target"/> reaches here, copying nothing:
    /// for the names a silo brings when it starts, which must not wait for copies.
    /// </summary>
    public Task ListHolderAsync(Descriptor target, CancellationToken cancellationToken) =>
        ForEachBlobAsync(target, (digest, info) => SiloLoss.RetryAsync(() => grains.GetGrain<ILayerGrain>(digest.ToString()).RecordAsync(info, silos.Self), cancellationToken));

    private async Task ForEachBlobAsync(Descriptor target, Func<Digest, LayerInfo, Task> action)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!store.Exists(target.Digest))
        {
            return; // named here after a record elsewhere: the silo that holds it listed it
        }

        foreach (var digest in store.Reach(target).Blobs)
        {
            if (store.GetInfo(digest) is { } blob)
            {
                await action(digest, new LayerInfo { MediaType = string.Empty, Size = blob.Size, DiffId = string.Empty }).ConfigureAwait(false);
            }
        }
    }
}
