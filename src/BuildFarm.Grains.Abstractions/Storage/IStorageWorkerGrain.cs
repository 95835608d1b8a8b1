namespace BuildFarm.Grains.Storage;

/// <summary>
/// One silo's storage, keyed by the silo's name, for <c>farm prune</c> across the cluster. It must
/// live on the silo it names: it needs the placement director that places <c>IWorkerGrain</c>.
/// </summary>
public interface IStorageWorkerGrain : IGrainWithStringKey
{
    /// <summary>Prunes this silo's data directory (waits for its running builds, as a prune on one machine does).</summary>
    [ResponseTimeout("00:30:00")]
    Task<SiloPruneResult> PruneAsync(bool all, CancellationToken cancellationToken = default);
}

/// <summary>What one silo's prune removed, kind by kind.</summary>
[GenerateSerializer, Immutable]
public sealed record SiloPruneResult(
    [property: Id(0)] string Silo,
    [property: Id(1)] PrunedAmount Blobs,
    [property: Id(2)] PrunedAmount StepRecords,
    [property: Id(3)] PrunedAmount Snapshots,
    [property: Id(4)] PrunedAmount CacheMounts,
    [property: Id(5)] PrunedAmount Leftovers);

/// <summary>How many things a prune removed and the bytes they took.</summary>
[GenerateSerializer, Immutable]
public sealed record PrunedAmount([property: Id(0)] long Count, [property: Id(1)] long Bytes);
