using MessagePack;
using Orleans.Runtime;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// The record of one cache key and the one run of it under way, if any. Only the result is
/// persisted: a run belongs to the process that started it.
/// </summary>
public sealed class CacheKeyGrain([PersistentState("step", GrainStorage.Name)] IPersistentState<CacheKeyState> state) : Grain, ICacheKeyGrain
{
    private Run? _run;

    public Task<StepClaim> ClaimAsync(string silo, bool reuse)
    {
        if (reuse && state.State.Result is { } recorded)
        {
            return Task.FromResult(new StepClaim(StepClaimKind.Recorded, recorded, null, recorded.Silo));
        }

        if (_run is { } running)
        {
            return Task.FromResult(new StepClaim(StepClaimKind.Running, null, null, running.Silo));
        }

        _run = new Run(Guid.NewGuid().ToString("N"), silo);
        return Task.FromResult(new StepClaim(StepClaimKind.Granted, null, _run.Token, silo));
    }

    public async Task<StepWait> WaitAsync(TimeSpan maxWait)
    {
        if (_run is not { } running)
        {
            return state.State.Result is { } recorded
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

    private Run Take(string token)
    {
        if (_run is not { } running || running.Token != token)
        {
            throw new InvalidOperationException($"Step {this.GetPrimaryKeyString()} has no run with token {token}.");
        }

        _run = null;
        return running;
    }

    private sealed record Run(string Token, string Silo)
    {
        public TaskCompletionSource<StepWait> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

[MessagePackObject]
public sealed class CacheKeyState
{
    [Key(0)]
    public StepRecordData? Result { get; set; }
}
