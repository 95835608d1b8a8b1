using MessagePack;
using Orleans.Placement;
using Orleans.Runtime;

namespace BuildFarm.Grains.Layers;

/// <summary>Where a layer blob's bytes live and when it was last used; persisted.</summary>
/// <remarks>Placed on the silo that first asks for it: the silo that made the layer, and whose builds read it again.</remarks>
[PreferLocalPlacement]
public sealed class LayerGrain([PersistentState("layer", GrainStorage.Name)] IPersistentState<LayerState> state, TimeProvider time) : Grain, ILayerGrain
{
    public async Task RecordAsync(LayerInfo info, string silo)
    {
        var known = state.State.Info;
        var silos = known?.Silos ?? [];
        var basis = info.DiffId.Length == 0 && known is not null ? known : info;
        state.State.Info = basis with
        {
            Silos = silos.Contains(silo, StringComparer.Ordinal) ? silos : [.. silos, silo],
            LastUsed = time.GetUtcNow(),
        };
        await state.WriteStateAsync();
    }

    public async Task AddHolderAsync(string silo)
    {
        if (state.State.Info is { } known)
        {
            await RecordAsync(known, silo);
        }
    }

    public Task<LayerInfo?> GetAsync() => Task.FromResult(state.State.Info);

    // Eviction: asked before a silo drops its replica (see ILayerGrain).

    public async Task<bool> ReleaseReplicaAsync(string silo, bool needed)
    {
        var silos = state.State.Info?.Silos ?? [];
        var listed = silos.Contains(silo, StringComparer.Ordinal);
        var others = silos.Count - (listed ? 1 : 0);
        if (needed && others == 0)
        {
            return false;
        }

        if (listed)
        {
            state.State.Info = state.State.Info! with { Silos = [.. silos.Where(holder => holder != silo)] };
            await state.WriteStateAsync();
        }

        return true;
    }

    public async Task KeepReplicaAsync(string silo)
    {
        if (state.State.Info is { } info && !info.Silos.Contains(silo, StringComparer.Ordinal))
        {
            state.State.Info = info with { Silos = [.. info.Silos, silo] };
            await state.WriteStateAsync();
        }
    }
}

[MessagePackObject]
public sealed class LayerState
{
    [Key(0)]
    public LayerInfo? Info { get; set; }
}
