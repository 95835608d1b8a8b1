using System.CommandLine;
using BuildFarm.Cli.Building;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm server</c> in the client program: the server (Orleans, ASP.NET) is not in it, so the
/// command becomes <c>farm-server</c> in the same process (exec), with every option resolved here.
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
                options.Listen.Name, parseResult.GetValue(options.Listen)!,
                options.MetricsListen.Name, parseResult.GetValue(options.MetricsListen)!,
                context.DataDir.Name, context.DataDirectory(parseResult),
                .. context.LocalServerOptions(parseResult),
            ]);
            return Task.CompletedTask;
        });
        return command;
    }
}
