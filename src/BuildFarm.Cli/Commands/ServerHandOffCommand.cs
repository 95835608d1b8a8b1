using System.CommandLine;
using BuildFarm.Cli.Building;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm server</c> in the client program: the server (Orleans, ASP.NET) is not in it, so the
/// command becomes <c>farm-server</c> in the same process (exec), with the options given here and
/// the data directory and registry settings resolved here.
/// </summary>
internal static class ServerHandOffCommand
{
    public static Command Create(FarmContext context)
    {
        var options = new ServerOptions();
        var command = options.CreateCommand();
        FarmAction.Set(command, (parseResult, _) =>
        {
            ServerProgram.Exec(
            [
                ServerOptions.CommandName,
                .. Given(parseResult, command),
                context.DataDir.Name, context.DataDirectory(parseResult),
                .. context.LocalServerOptions(parseResult),
            ]);
            return Task.CompletedTask;
        });
        return command;
    }

    // The server options as the user gave them, each value with its option's name; those left out
    // are resolved by farm-server, which reads their $FARM_* variables and defaults.
    private static IEnumerable<string> Given(ParseResult parseResult, Command command) =>
        command.Options
            .Select(option => parseResult.GetResult(option))
            .OfType<System.CommandLine.Parsing.OptionResult>()
            .Where(result => !result.Implicit)
            .SelectMany(result => result.Tokens.SelectMany(token => new[] { result.Option.Name, token.Value }));
}
