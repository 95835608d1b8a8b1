using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
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
    /// <summary>Lists this silo as a holder of the <paramref name="reached"/> blobs it has and copies them to other silos.</summary>
    /// <param name="reached">What the image reaches, as its name's record lists it (<see cref="ClusterImageNames.BlobsReachedFrom"/>).</param>
    public Task ReplicateAsync(IEnumerable<string> reached, CancellationToken cancellationToken) =>
        ForEachBlobAsync(reached, (digest, info) => replication.ReplicateAsync(digest, info, silos.Self, cancellationToken));

    /// <summary>
    /// Lists this silo as a holder of the <paramref name="reached"/> blobs it has, copying nothing:
    /// for the names a silo brings when it starts, which must not wait for copies.
    /// </summary>
    public Task ListHolderAsync(IEnumerable<string> reached, CancellationToken cancellationToken) =>
        ForEachBlobAsync(reached, (digest, info) => SiloLoss.RetryAsync(() => grains.GetGrain<ILayerGrain>(digest.ToString()).RecordAsync(info, silos.Self), cancellationToken));

    private async Task ForEachBlobAsync(IEnumerable<string> reached, Func<Digest, LayerInfo, Task> action)
    {
        ArgumentNullException.ThrowIfNull(reached);
        foreach (var digest in reached.Select(Digest.Parse))
        {
            // A blob this silo lacks (named here after a record elsewhere) is its holders' to list.
            if (store.GetInfo(digest) is { } blob)
            {
                await action(digest, new LayerInfo { MediaType = string.Empty, Size = blob.Size, DiffId = string.Empty }).ConfigureAwait(false);
            }
        }
    }
}
