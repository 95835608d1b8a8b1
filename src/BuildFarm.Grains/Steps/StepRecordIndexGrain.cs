using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Steps;

/// <summary>One shard of the keys that have a step record (see <see cref="IStepRecordIndexGrain"/>); persisted.</summary>
public sealed class StepRecordIndexGrain([PersistentState("step-index", GrainStorage.Name)] IPersistentState<StepRecordIndexState> state) : Grain, IStepRecordIndexGrain
{
    public async Task AddAsync(string key)
    {
        if (state.State.Keys.Add(key))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Keys.Order(StringComparer.Ordinal)]);

    public async Task RemoveAsync(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var removed = 0;
        foreach (var key in keys)
        {
            removed += state.State.Keys.Remove(key) ? 1 : 0;
        }

        if (removed > 0)
        {
            await state.WriteStateAsync();
        }
    }
}

[MessagePackObject]
public sealed class StepRecordIndexState
{
    [Key(0)]
    public HashSet<string> Keys { get; set; } = new(StringComparer.Ordinal);
}
