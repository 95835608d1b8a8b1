namespace BuildFarm.Execution.Sandbox;

/// <summary>A sandboxed process exited with a non-zero code, or went over a limit of its step's.</summary>
public sealed class ProcessFailedException : Exception
{
    public ProcessFailedException(IReadOnlyList<string> arguments, int exitCode, IReadOnlyList<OutputLine> lastLines, string? limitExceeded = null, string? cause = null)
        : base(FormatMessage(arguments, exitCode, lastLines, limitExceeded ?? cause))
    {
        Cause = cause;
        Arguments = arguments;
        ExitCode = exitCode;
        LastLines = lastLines;
        LimitExceeded = limitExceeded;
    }

    public IReadOnlyList<string> Arguments { get; }

    public int ExitCode { get; }

    /// <summary>The last lines the process printed, both streams in the order they were read.</summary>
    public IReadOnlyList<OutputLine> LastLines { get; }

    /// <summary>Which limit of the step's it went over ("ran out of memory (...)"), or null.</summary>
    public string? LimitExceeded { get; }

    /// <summary>The same failure with what else went wrong in the step (an agent that did not answer) named before the exit code, unless a limit already is.</summary>
    public ProcessFailedException WithCause(string cause) => new(Arguments, ExitCode, LastLines, LimitExceeded, cause);

    /// <summary>What else went wrong in the step that its process could not say (an agent forwarded from the client that did not answer), or null.</summary>
    public string? Cause { get; }

    /// <summary>BuildKit's wording (with the limit gone over, if any), then the tail of the output (which BuildKit shows above the error).</summary>
    private static string FormatMessage(IReadOnlyList<string> arguments, int exitCode, IReadOnlyList<OutputLine> lastLines, string? why)
    {
        var reason = why is null ? string.Empty : $"{why}: ";
        var message = $"process \"{string.Join(' ', arguments)}\" did not complete successfully: {reason}exit code: {exitCode}";
        return lastLines.Count == 0
            ? message
            : $"{message}\nlast {lastLines.Count} lines of output:\n{string.Join('\n', lastLines.Select(static line => line.Text))}";
    }
}
