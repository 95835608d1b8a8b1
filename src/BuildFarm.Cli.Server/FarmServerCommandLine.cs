using System.CommandLine;
using BuildFarm.Cli;

namespace BuildFarm.Cli.Server;

/// <summary>
/// The <c>farm-server</c> command tree: <c>farm</c>'s global options and its <c>server</c> command,
/// so that <c>farm ARGS server ...</c> hands over as <c>farm-server ARGS server ...</c>. Tests run it in process.
/// </summary>
public static class FarmServerCommandLine
{
    public static RootCommand Create() => Create(FarmEnvironment.FromProcess());

    public static RootCommand Create(FarmEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var context = new FarmContext(environment);
        var root = new RootCommand("BuildFarm's server program; `farm server` runs it.");
        context.AddGlobalOptions(root);
        root.Subcommands.Add(ServerCommand.Create(context));
        return root;
    }
}
