using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Persistence;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// The <see cref="CacheKeyGrain"/> records, as the build cache that <c>farm du</c> and
/// <c>farm prune</c> see. On one silo they are files of its data directory, read and deleted
/// there; in a cluster they are where every silo keeps grain state (Redis), which cannot be
/// listed, so they are found through the <see cref="IStepRecordIndexGrain"/> shards and read and
/// removed through their grains.
/// </summary>
public sealed class GrainStepRecords : IStepRecordSet
{
    // Grain calls at once when records are read one by one.
    private const int ParallelCalls = 32;

    private readonly IGrainFactory _grains;
    private readonly DiskGrainStorage? _disk;

    private GrainStepRecords(IGrainFactory grains, DiskGrainStorage? disk)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
        _disk = disk;
    }

    /// <summary>The records of a silo whose grain state is on its own disk.</summary>
    public static GrainStepRecords OnDisk(IGrainFactory grains, DiskGrainStorage storage) =>
        new(grains, storage ?? throw new ArgumentNullException(nameof(storage)));

    /// <summary>The records of a cluster, whose grain state is shared.</summary>
    public static GrainStepRecords Shared(IGrainFactory grains) => new(grains, null);

    public async Task<IReadOnlyList<RecordedStep>> ListAsync(CancellationToken cancellationToken = default)
    {
        if (_disk is { } disk)
        {
            var generation = await Generation.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return [.. disk.ReadAll<CacheKeyState>(CacheKeyGrain.StateName)
                .Where(stored => stored.State is { Result: not null } current && current.Generation >= generation)
                .Select(static stored => ToRecordedStep(stored.State.Result!, stored.Bytes))];
        }

        var records = await ForEachKeyAsync(key => key.GetRecordAsync(), cancellationToken).ConfigureAwait(false);
        return [.. records.Select(static stored => ToRecordedStep(stored.Result, stored.Bytes))];
    }

    /// <summary>Advances the generation first, so that activations holding a record in memory drop it too, then removes the records.</summary>
    public async Task<Amount> ClearAsync(CancellationToken cancellationToken = default)
    {
        await Generation.AdvanceAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_disk is { } disk)
        {
            return disk.DeleteAll(CacheKeyGrain.StateName);
        }

        var cleared = await ForEachKeyAsync(key => key.ClearRecordAsync(), cancellationToken, removeFromIndex: true).ConfigureAwait(false);
        return new Amount(cleared.Count, cleared.Sum(static record => record.Bytes));
    }

    // Every indexed key's answer, shard by shard; with removeFromIndex the shard forgets its keys once they are asked.
    private async Task<List<StoredStepRecord>> ForEachKeyAsync(Func<ICacheKeyGrain, Task<StoredStepRecord?>> call, CancellationToken cancellationToken, bool removeFromIndex = false)
    {
        var records = new List<StoredStepRecord>();
        for (var shard = 0; shard < StepRecordShards.Count; shard++)
        {
            var index = _grains.GetGrain<IStepRecordIndexGrain>(shard);
            var keys = await index.ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var answers = new StoredStepRecord?[keys.Count];
            await Parallel.ForAsync(0, keys.Count, new ParallelOptions { MaxDegreeOfParallelism = ParallelCalls, CancellationToken = cancellationToken }, async (i, _) =>
                answers[i] = await call(_grains.GetGrain<ICacheKeyGrain>(keys[i])).ConfigureAwait(false)).ConfigureAwait(false);
            records.AddRange(answers.OfType<StoredStepRecord>());
            if (removeFromIndex && keys.Count > 0)
            {
                await index.RemoveAsync(keys).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return records;
    }

    private static RecordedStep ToRecordedStep(StepRecordData result, long bytes) => new(GrainStepCache.ToCached(result).Layer, bytes);

    private ICacheGenerationGrain Generation => _grains.GetGrain<ICacheGenerationGrain>(0);
}
