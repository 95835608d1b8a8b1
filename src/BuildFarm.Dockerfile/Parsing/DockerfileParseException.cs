namespace BuildFarm.Dockerfile.Parsing;

/// <summary>
/// A Dockerfile that BuildKit's parser rejects. <see cref="Exception.Message"/> reads
/// <c>file:line: what is wrong</c>; <see cref="Reason"/> is the part after the location.
/// </summary>
public sealed class DockerfileParseException : Exception
{
    public DockerfileParseException(SourceLocation location, string reason)
        : base($"{location}: {reason}")
    {
        Location = location;
        Reason = reason;
    }

    /// <summary>The lines of the instruction (or directive) that is wrong.</summary>
    public SourceLocation Location { get; }

    /// <summary>What is wrong, in BuildKit's words where BuildKit has words for it.</summary>
    public string Reason { get; }
}
