using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Steps;

namespace BuildFarm.Execution.Building;

/// <summary>
/// Why a step failed, in parts a client can show without parsing a message: the step, its
/// Dockerfile line, and for a RUN whose process ran, its exit code and the last lines it wrote.
/// </summary>
/// <param name="Step">The step that failed.</param>
/// <param name="Location"><c>file:line</c> of its instruction.</param>
/// <param name="ExitCode">The process's exit code; null when no process ran (a COPY that found nothing, a missing blob).</param>
/// <param name="LastLines">The last lines the process wrote, both streams in the order they came; empty when none ran.</param>
public sealed record StepFailure(StepId Step, string Location, int? ExitCode, IReadOnlyList<string> LastLines)
{
    /// <summary>The failure of <paramref name="step"/> caused by <paramref name="error"/>, typed from the process failure it wraps, if any.</summary>
    public static StepFailure Of(StepId step, string location, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        for (Exception? cause = error; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case ProcessFailedException process:
                    return new StepFailure(step, location, process.ExitCode, [.. process.LastLines.Select(static line => line.Text)]);
                case StepFailedOnWorkerException { ExitCode: { } exitCode } elsewhere:
                    return new StepFailure(step, location, exitCode, elsewhere.LastLines);
            }
        }

        return new StepFailure(step, location, null, []);
    }
}
