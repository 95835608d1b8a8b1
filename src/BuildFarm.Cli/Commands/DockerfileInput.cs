using System.CommandLine;
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

    /// <summary>Reads the Dockerfile, or says on <paramref name="error"/> why it cannot.</summary>
    public static bool TryRead(string path, TextWriter error, out string text)
    {
        try
        {
            text = File.ReadAllText(path);
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

        text = string.Empty;
        return false;
    }
}
