using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile;

/// <summary>
/// The one error the Dockerfile frontend (parser, instruction model, planner) raises for bad
/// input: its message always starts with where the problem is (<c>file:line: </c>, or
/// <c>file: </c> when no line is to blame) so a user can jump straight to it.
/// </summary>
public sealed class DockerfileException : Exception
{
    public DockerfileException(SourceLocation location, string reason)
        : base($"{location}: {reason}")
    {
        File = location.File;
        Location = location;
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

    /// <summary>The lines to blame, or null when the error concerns the whole file.</summary>
    public SourceLocation? Location { get; }

    /// <summary>The 1-based first line to blame, or null when the error concerns the whole file.</summary>
    public int? Line => Location?.StartLine;

    /// <summary>What is wrong, without the location prefix, in BuildKit's words where it has words for it.</summary>
    public string Reason { get; }
}
