using BuildFarm.Dockerfile;
using System.CommandLine;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm debug parse [-f FILE]</c>: prints the Dockerfile's parse tree in BuildKit's dump format,
/// parser warnings and errors as <c>file:line: message</c> on standard error.
/// </summary>
internal static class ParseCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--file", "-f")
        {
            Description = "The Dockerfile to parse.",
            DefaultValueFactory = _ => DockerfileParser.DefaultFileName,
        };
        var command = new Command("parse", "Print how the Dockerfile parses, in BuildKit's parse-tree format.") { file };
        command.SetAction(parseResult => Run(parseResult, parseResult.GetValue(file)!));
        return command;
    }

    private static int Run(ParseResult parseResult, string path)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        ParsedDockerfile parsed;
        try
        {
            using var stream = File.OpenRead(path);
            parsed = DockerfileParser.Parse(stream, path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            error.WriteLine($"{path}: cannot read the Dockerfile: no such file");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: cannot read the Dockerfile: {e.Message}");
            return 1;
        }
        catch (DockerfileException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }

        foreach (var warning in parsed.Warnings)
        {
            error.WriteLine($"{warning.Location}: warning: {warning.Message}");
        }
        output.Write(ParseTreePrinter.Print(parsed));
        return 0;
    }
}
