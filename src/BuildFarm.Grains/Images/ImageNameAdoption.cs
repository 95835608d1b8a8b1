using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;

namespace BuildFarm.Grains.Images;

/// <summary>
/// When a silo starts, its own store's names meet the cluster's: a name the cluster never knew is
/// adopted (a data directory from before the cluster, or names written while the silo was down),
/// a name the cluster removed meanwhile is removed here too, and a name the cluster moved follows it.
/// The silo is listed as a holder of what the names it keeps reach, so peers fetch from it again.
/// </summary>
public static class ImageNameAdoption
{
    /// <summary>Brings the store's names in line with the cluster's.</summary>
    public static async Task RunAsync(IGrainFactory grains, ContentStore store, ImageReplication replication, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(replication);
        foreach (var local in store.Images.List())
        {
            var record = ClusterImageNames.ToRecord(local.Name, local.Target, local.UpdatedAt, ClusterImageNames.BlobsReachedFrom(store, local.Target)) with { CreatedAt = local.CreatedAt };
            var cluster = await grains.GetGrain<IImageNameGrain>(local.Name).AdoptAsync(record).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (cluster is null)
            {
                store.Images.Delete(local.Name);
            }
            else if (cluster.TargetDigest != record.TargetDigest)
            {
                store.Images.Set(local.Name, ClusterImageNames.ToImageRecord(cluster)!.Target);
            }
            else
            {
                await replication.ListHolderAsync(record.Blobs, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
