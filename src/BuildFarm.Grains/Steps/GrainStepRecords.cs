using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Persistence;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Grains.Steps;

/// <summary>The <see cref="CacheKeyGrain"/> records on the silo's disk, as the build cache that <c>farm du</c> and <c>farm prune</c> see.</summary>
public sealed class GrainStepRecords(IGrainFactory grains, DiskGrainStorage storage) : IStepRecordSet
{
    public async Task<IReadOnlyList<RecordedStep>> ListAsync(CancellationToken cancellationToken = default)
    {
        var generation = await Generation.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. storage.ReadAll<CacheKeyState>(CacheKeyGrain.StateName)
            .Where(stored => stored.State is { Result: not null } current && current.Generation >= generation)
            .Select(static stored => new RecordedStep(GrainStepCache.ToCached(stored.State.Result!).Layer, stored.Bytes))];
    }

    /// <summary>Advances the generation first, so that activations holding a record in memory drop it too, then deletes the files.</summary>
    public async Task<Amount> ClearAsync(CancellationToken cancellationToken = default)
    {
        await Generation.AdvanceAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return storage.DeleteAll(CacheKeyGrain.StateName);
    }

    private ICacheGenerationGrain Generation => grains.GetGrain<ICacheGenerationGrain>(0);
}
