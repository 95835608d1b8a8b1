using BuildFarm.Execution.Pruning;
using BuildFarm.Grains.Images;
using BuildFarm.Grains.Workers;
using BuildFarm.Storage.Content;

namespace BuildFarm.Grains.Storage;

/// <summary>Prunes the data directory of the silo it lives on (placed there by the workers' placement director).</summary>
[WorkerPlacement]
public sealed class StorageWorkerGrain(StoragePruner pruner, ContentStore content, ImageReplication replication) : Grain, IStorageWorkerGrain
{
    public async Task<SiloPruneResult> PruneAsync(bool all, CancellationToken cancellationToken = default)
    {
        // The store's copies of names removed on other silos would keep their images here.
        await ImageNameAdoption.RunAsync(GrainFactory, content, replication, cancellationToken);
        var result = await pruner.PruneAsync(all, cancellationToken);
        return new SiloPruneResult(
            this.GetPrimaryKeyString(),
            Amount(result.Blobs),
            Amount(result.StepRecords),
            Amount(result.Snapshots),
            Amount(result.CacheMounts),
            Amount(result.Leftovers));
    }

    private static PrunedAmount Amount(BuildFarm.Storage.Pruning.Amount amount) => new(amount.Count, amount.Bytes);
}
