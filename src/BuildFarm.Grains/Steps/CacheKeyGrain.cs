using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// The record of one cache key and the one run of it under way, if any. Only the result is
/// persisted: a run belongs to the process that started it.
/// </summary>
/// <remarks>
/// <c>farm prune --all</c> must make every record absent, but an activation keeps its record in
/// memory, and deactivating every activation cluster-wide cannot be done atomically. So a record
/// carries the <see cref="ICacheGenerationGrain"/> generation it was made under, and one from an
/// older generation counts as absent: prune advances the generation first, then deletes the
/// files. An activation that finds its record stale reads its state again, so that its ETag
/// agrees with the disk (the file is gone) and its next write is accepted.
/// </remarks>
public sealed class CacheKeyGrain([PersistentState(CacheKeyGrain.StateName, GrainStorage.Name)] IPersistentState<CacheKeyState> state) : Grain, ICacheKeyGrain
{
    /// <summary>The name the records are persisted under (<c>grains/step/</c>).</summary>
    public const string StateName = "step";

    private Run? _run;

    public async Task<StepClaim> ClaimAsync(string silo, bool reuse)
    {
        var generation = await CurrentGenerationAsync();
        if (state.State.Result is not null && state.State.Generation < generation)
        {
            await state.ReadStateAsync();
        }

        if (reuse && Recorded(generation) is { } recorded)
        {
            return new StepClaim(StepClaimKind.Recorded, recorded, null, recorded.Silo);
        }

        if (_run is { } running)
        {
            return new StepClaim(StepClaimKind.Running, null, null, running.Silo);
        }

        _run = new Run(Guid.NewGuid().ToString("N"), silo, generation);
        return new StepClaim(StepClaimKind.Granted, null, _run.Token, silo);
    }

    public async Task<StepWait> WaitAsync(TimeSpan maxWait)
    {
        if (_run is not { } running)
        {
            return Recorded(await CurrentGenerationAsync()) is { } recorded
                ? new StepWait(StepWaitKind.Completed, recorded, null, recorded.Silo)
                : new StepWait(StepWaitKind.Abandoned, null, null, null);
        }

        try
        {
            return await running.Ended.Task.WaitAsync(maxWait);
        }
        catch (TimeoutException)
        {
            return new StepWait(StepWaitKind.StillRunning, null, null, running.Silo);
        }
    }

    public async Task CompleteAsync(string token, StepRecordData result)
    {
        var running = Take(token);
        state.State.Result = result;
        state.State.Generation = running.Generation;
        await state.WriteStateAsync();
        running.Ended.SetResult(new StepWait(StepWaitKind.Completed, result, null, result.Silo));
    }

    public Task AbandonAsync(string token, string? error)
    {
        var running = Take(token);
        running.Ended.SetResult(error is null
            ? new StepWait(StepWaitKind.Abandoned, null, null, running.Silo)
            : new StepWait(StepWaitKind.Failed, null, error, running.Silo));
        return Task.CompletedTask;
    }

    private StepRecordData? Recorded(long generation) => state.State.Generation >= generation ? state.State.Result : null;

    private Task<long> CurrentGenerationAsync() => GrainFactory.GetGrain<ICacheGenerationGrain>(0).GetAsync();

    private Run Take(string token)
    {
        if (_run is not { } running || running.Token != token)
        {
            throw new InvalidOperationException($"Step {this.GetPrimaryKeyString()} has no run with token {token}.");
        }

        _run = null;
        return running;
    }

    // A run's result is recorded under the generation it was granted in: a prune --all that
    // happens meanwhile makes it absent as well.
    private sealed record Run(string Token, string Silo, long Generation)
    {
        public TaskCompletionSource<StepWait> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

[MessagePackObject]
public sealed class CacheKeyState
{
    [Key(0)]
    public StepRecordData? Result { get; set; }

    /// <summary>The step cache generation the result was recorded under.</summary>
    [Key(1)]
    public long Generation { get; set; }
}
