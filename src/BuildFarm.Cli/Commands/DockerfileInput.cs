using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using BuildFarm.Dockerfile;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Cli.Commands;

/// <summary>The <c>-f FILE</c> option of the commands that read a Dockerfile, and reading it.</summary>
internal static class DockerfileInput
{
    public static Option<string> CreateFileOption(string description) => new("--file", "-f")
    {
        Description = description,
        DefaultValueFactory = _ => DockerfileParser.DefaultFileName,
    };

    /// <summary>Reads and parses the Dockerfile, or says on <paramref name="error"/> why it cannot.</summary>
    public static bool TryParse(string path, TextWriter error, [NotNullWhen(true)] out ParsedDockerfile? parsed)
    {
        parsed = null;
        try
        {
            using var stream = File.OpenRead(path);
            parsed = DockerfileParser.Parse(stream, path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            error.WriteLine($"{path}: cannot read the Dockerfile: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: cannot read the Dockerfile: {e.Message}");
        }
        catch (DockerfileException e)
        {
            error.WriteLine(e.Message);
        }

        return false;
    }
}
