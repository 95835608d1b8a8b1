namespace BuildFarm.Execution.Sandbox;

/// <summary>Which output of a process a line came from.</summary>
public enum OutputStreamKind
{
    Stdout,
    Stderr,
}

/// <summary>One line a sandboxed process printed, without its line break, and when it was read.</summary>
public sealed record OutputLine(DateTimeOffset Timestamp, OutputStreamKind Stream, string Text)
{
    public override string ToString() => $"{Timestamp:O} {(Stream == OutputStreamKind.Stdout ? "stdout" : "stderr")} {Text}";
}

/// <summary>
/// Receives the output of a sandboxed process as it is printed, one line at a time and never
/// concurrently, in the order the lines were read (each stream in its own order).
/// </summary>
public delegate ValueTask OutputSink(OutputLine line, CancellationToken cancellationToken);
