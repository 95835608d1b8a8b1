using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Builds;

/// <summary>The ids of all builds, in the order they were started; persisted.</summary>
public sealed class BuildIndexGrain([PersistentState("builds", GrainStorage.Name)] IPersistentState<BuildIndexState> state) : Grain, IBuildIndexGrain
{
    public async Task AddAsync(string buildId)
    {
        if (!state.State.Ids.Contains(buildId, StringComparer.Ordinal))
        {
            state.State.Ids.Add(buildId);
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync(int limit) =>
        Task.FromResult<IReadOnlyList<string>>([.. Enumerable.Reverse(state.State.Ids).Take(limit)]);
}

[MessagePackObject]
public sealed class BuildIndexState
{
    [Key(0)]
    public List<string> Ids { get; set; } = [];
}
