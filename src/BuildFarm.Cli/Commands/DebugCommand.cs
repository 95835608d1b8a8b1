using System.CommandLine;

namespace BuildFarm.Cli.Commands;

/// <summary><c>farm debug</c>: look inside the frontend without building anything.</summary>
internal static class DebugCommand
{
    public static Command Create()
    {
        var debug = new Command("debug", "Inspect how a Dockerfile is parsed and planned.");
        debug.Subcommands.Add(ParseCommand.Create());
        debug.Subcommands.Add(PlanCommand.Create());
        return debug;
    }
}
