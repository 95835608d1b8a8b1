namespace BuildFarm.Grains.Workers;

/// <summary>
/// Decides which of the silos a step waits on runs it: the first whose slot comes free. Every
/// other silo is refused when its slot comes, and its run ends at once.
/// </summary>
internal sealed class FirstFreeSlot
{
    private readonly TaskCompletionSource<string> _winner = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The silo that runs the step, once one has a slot.</summary>
    public Task<string> Winner => _winner.Task;

    /// <summary>Whether <paramref name="silo"/>, whose slot came free, runs the step.</summary>
    public bool TryTake(string silo) => _winner.TrySetResult(silo) || _winner.Task.Result == silo;
}

/// <summary>A step waiting on several silos got a slot here after another silo's came first: this run ends.</summary>
public sealed class StepNotTakenException(string silo)
    : OperationCanceledException($"The step's slot on {silo} came after another silo's, which runs it.");
