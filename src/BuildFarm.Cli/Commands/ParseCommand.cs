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
        var file = DockerfileInput.CreateFileOption("The Dockerfile to parse.");
        var command = new Command("parse", "Print how the Dockerfile parses, in BuildKit's parse-tree format.") { file };
        command.SetAction(parseResult => Run(parseResult, parseResult.GetValue(file)!));
        return command;
    }

    private static int Run(ParseResult parseResult, string path)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        if (!DockerfileInput.TryParse(path, error, out var parsed))
        {
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
