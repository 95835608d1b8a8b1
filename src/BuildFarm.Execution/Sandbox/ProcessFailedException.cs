namespace BuildFarm.Execution.Sandbox;

/// <summary>A sandboxed process exited with a non-zero code.</summary>
public sealed class ProcessFailedException : Exception
{
    public ProcessFailedException(IReadOnlyList<string> arguments, int exitCode, IReadOnlyList<OutputLine> lastLines)
        : base(FormatMessage(arguments, exitCode, lastLines))
    {
        Arguments = arguments;
        ExitCode = exitCode;
        LastLines = lastLines;
    }

    public IReadOnlyList<string> Arguments { get; }

    public int ExitCode { get; }

    /// <summary>The last lines the process printed, both streams in the order they were read.</summary>
    public IReadOnlyList<OutputLine> LastLines { get; }

    /// <summary>BuildKit's wording, then the tail of the output (which BuildKit shows above the error).</summary>
    private static string FormatMessage(IReadOnlyList<string> arguments, int exitCode, IReadOnlyList<OutputLine> lastLines)
    {
        var message = $"process \"{string.Join(' ', arguments)}\" did not complete successfully: exit code: {exitCode}";
        return lastLines.Count == 0
            ? message
            : $"{message}\nlast {lastLines.Count} lines of output:\n{string.Join('\n', lastLines.Select(static line => line.Text))}";
    }
}
