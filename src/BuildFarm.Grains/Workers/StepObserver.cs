using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Steps;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// Hands the events a worker on another silo reports to the step's session on this silo (the
/// build's event sink). For a step waiting on several silos, the first to start takes it.
/// </summary>
internal sealed class StepObserver(StepSession session, FirstFreeSlot? slot = null) : IStepObserver
{
    public async Task<bool> StartedAsync(string silo)
    {
        if (slot is not null && !slot.TryTake(silo))
        {
            return false;
        }

        if (session.Started is { } started)
        {
            await started(silo).ConfigureAwait(false);
        }

        return true;
    }

    public async Task OutputAsync(IReadOnlyList<StepOutputLine> lines)
    {
        if (session.Output is not { } output)
        {
            return;
        }

        foreach (var line in lines)
        {
            await output(new OutputLine(line.Timestamp, line.Stderr ? OutputStreamKind.Stderr : OutputStreamKind.Stdout, line.Text), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
