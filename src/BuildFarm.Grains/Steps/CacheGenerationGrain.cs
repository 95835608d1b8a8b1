using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Steps;

/// <summary>The step cache's generation, persisted so that records pruned before a restart stay pruned.</summary>
public sealed class CacheGenerationGrain([PersistentState("cache-generation", GrainStorage.Name)] IPersistentState<CacheGenerationState> state) : Grain, ICacheGenerationGrain
{
    public Task<long> GetAsync() => Task.FromResult(state.State.Generation);

    public async Task<long> AdvanceAsync()
    {
        state.State.Generation++;
        await state.WriteStateAsync();
        return state.State.Generation;
    }
}

[MessagePackObject]
public sealed class CacheGenerationState
{
    [Key(0)]
    public long Generation { get; set; }
}
