using Orleans.Concurrency;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// The generation of the farm's step cache (one grain, key 0). Every step record carries the
/// generation it was made under; <c>farm prune --all</c> advances it, and from then on every
/// older record counts as absent, on every silo, whether it sits on disk or in an activation's memory.
/// </summary>
public interface ICacheGenerationGrain : IGrainWithIntegerKey
{
    [ReadOnly]
    Task<long> GetAsync();

    /// <summary>Starts a new generation and returns it.</summary>
    Task<long> AdvanceAsync();
}
