using System.CommandLine;
using BuildFarm.Cli.Commands;

namespace BuildFarm.Cli;

/// <summary>The <c>farm</c> command tree. Tests invoke it in process with their own writers.</summary>
public static class FarmCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("BuildFarm: a distributed Dockerfile build farm.");
        root.Subcommands.Add(DebugCommand.Create());
        return root;
    }
}
