using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Layers;

/// <summary>Where a layer blob's bytes live and when it was last used; persisted.</summary>
public sealed class LayerGrain([PersistentState("layer", GrainStorage.Name)] IPersistentState<LayerState> state, TimeProvider time) : Grain, ILayerGrain
{
    public async Task RecordAsync(LayerInfo info, string silo)
    {
        var silos = state.State.Info?.Silos ?? [];
        state.State.Info = info with
        {
            Silos = silos.Contains(silo, StringComparer.Ordinal) ? silos : [.. silos, silo],
            LastUsed = time.GetUtcNow(),
        };
        await state.WriteStateAsync();
    }

    public Task<LayerInfo?> GetAsync() => Task.FromResult(state.State.Info);
}

[MessagePackObject]
public sealed class LayerState
{
    [Key(0)]
    public LayerInfo? Info { get; set; }
}
