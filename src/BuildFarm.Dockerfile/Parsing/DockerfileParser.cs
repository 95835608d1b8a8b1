using BuildFarm.Dockerfile;
using System.Text;
using BuildFarm.Dockerfile.Parsing.Internal;

namespace BuildFarm.Dockerfile.Parsing;

/// <summary>
/// Parses Dockerfiles exactly as BuildKit's parser (frontend/dockerfile/parser) does: parser
/// directives, line continuations with either escape character, comments and blank lines inside
/// continuations, the JSON (exec) form and its fall-backs, each instruction's argument rules,
/// ONBUILD, HEALTHCHECK, flags and heredocs. Instructions it does not know are kept, not
/// rejected: giving instructions their meaning is the next step's job.
/// </summary>
public static class DockerfileParser
{
    /// <summary>The name a Dockerfile has unless told otherwise.</summary>
    public const string DefaultFileName = "Dockerfile";

    /// <exception cref="DockerfileException">BuildKit's parser would reject the text.</exception>
    public static ParsedDockerfile Parse(string text, string fileName = DefaultFileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text), writable: false);
        return Parse(stream, fileName);
    }

    /// <summary>Parses UTF-8 text from <paramref name="stream"/>, holding one line at a time (plus the instruction being built).</summary>
    /// <exception cref="DockerfileException">BuildKit's parser would reject the text.</exception>
    public static ParsedDockerfile Parse(Stream stream, string fileName = DefaultFileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        return new ParserRun(new LineReader(stream, fileName), fileName).Run();
    }
}
