using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile;

/// <summary>
/// The one error the Dockerfile frontend raises for bad input: its message always starts with
/// where the problem is (<c>file:line: </c>, or <c>file: </c> when no line is to blame) so a user
/// can jump straight to it.
/// </summary>
public sealed class DockerfileException : Exception
{
    public DockerfileException(SourceLocation location, string reason)
        : base($"{location}: {reason}")
    {
        File = location.File;
        Line = location.StartLine;
        Reason = reason;
    }

    /// <summary>An error about the file as a whole (no stages, unknown target, ...).</summary>
    public DockerfileException(string file, string reason)
        : base($"{file}: {reason}")
    {
        File = file;
        Reason = reason;
    }

    /// <summary>The Dockerfile the error is in.</summary>
    public string File { get; }

    /// <summary>The 1-based line, or null when the error concerns the whole file.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Reason { get; }
}
