namespace BuildFarm.Execution.Steps;

/// <summary>
/// A step failed on a worker other than the engine that asked for it (another silo ran it, or a
/// run another build started there): <see cref="Worker"/> is where, for the build's events, and
/// for a RUN whose process ran, its exit code and last lines as that worker reported them.
/// </summary>
public class StepFailedOnWorkerException(string worker, string message, int? exitCode = null, IReadOnlyList<string>? lastLines = null) : Exception(message)
{
    public string Worker { get; } = worker;

    /// <summary>The process's exit code; null when no process ran or the worker did not say.</summary>
    public int? ExitCode { get; } = exitCode;

    /// <summary>The last lines the process wrote; empty when none ran.</summary>
    public IReadOnlyList<string> LastLines { get; } = lastLines ?? [];
}
