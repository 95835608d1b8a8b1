using BuildFarm.Storage.Pruning;

namespace BuildFarm.Execution.Pruning;

/// <summary>What one prune removed.</summary>
/// <param name="Blobs">Blobs removed from the content store.</param>
/// <param name="StepRecords">Step records forgotten (only with <c>--all</c>).</param>
/// <param name="Snapshots">Unpacked snapshots deleted.</param>
/// <param name="CacheMounts">Cache mount directories deleted (those no step was using).</param>
/// <param name="Leftovers">What interrupted work left: build contexts, downloads, exports.</param>
public sealed record PruneResult(Amount Blobs, Amount StepRecords, Amount Snapshots, Amount CacheMounts, Amount Leftovers)
{
    /// <summary>Every byte freed.</summary>
    public long ReclaimedBytes => Blobs.Bytes + StepRecords.Bytes + Snapshots.Bytes + CacheMounts.Bytes + Leftovers.Bytes;
}
