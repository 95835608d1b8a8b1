using System.CommandLine;
using BuildFarm.Cli.Commands;

namespace BuildFarm.Cli;

/// <summary>The <c>farm</c> command tree. Tests invoke it in process with their own writers and environment.</summary>
public static class FarmCommandLine
{
    public static RootCommand Create() => Create(FarmEnvironment.FromProcess());

    public static RootCommand Create(FarmEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var context = new FarmContext(environment);
        var root = new RootCommand("BuildFarm: a distributed Dockerfile build farm.");
        context.AddGlobalOptions(root);
        root.Subcommands.Add(BuildCommand.Create(context));
        root.Subcommands.Add(BuildsCommand.Create(context));
        root.Subcommands.Add(DebugCommand.Create());
        root.Subcommands.Add(DuCommand.Create(context));
        root.Subcommands.Add(HistoryCommand.Create(context));
        root.Subcommands.Add(ImagesCommand.Create(context));
        root.Subcommands.Add(LoadCommand.Create(context));
        root.Subcommands.Add(PruneCommand.Create(context));
        root.Subcommands.Add(PullCommand.Create(context));
        root.Subcommands.Add(PushCommand.Create(context));
        root.Subcommands.Add(RmiCommand.Create(context));
        root.Subcommands.Add(SaveCommand.Create(context));
        root.Subcommands.Add(ServerHandOffCommand.Create(context));
        root.Subcommands.Add(TagCommand.Create(context));
        return root;
    }
}
