namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// The escape character at the end of a line (spaces and tabs may follow it) continues the
/// instruction on the next line — unless the escape character itself is escaped (<c>\\</c>).
/// This is BuildKit's <c>([^\])\[ \t]*$|^\[ \t]*$</c>, without a regular expression.
/// </summary>
internal static class LineContinuation
{
    /// <summary>
    /// Removes a trailing continuation from <paramref name="line"/>; returns false when the line
    /// ends the instruction (it is then returned unchanged).
    /// </summary>
    public static bool TryRemove(string line, char escapeToken, out string withoutContinuation)
    {
        var end = line.AsSpan().TrimEnd(" \t").Length;
        var continues = end > 0 && line[end - 1] == escapeToken && (end == 1 || line[end - 2] != escapeToken);
        withoutContinuation = continues ? line[..(end - 1)] : line;
        return continues;
    }
}
