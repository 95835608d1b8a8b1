using System.CommandLine;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm server</c>'s command and options, one definition for both programs: <c>farm</c>, which
/// parses them (for help and errors) and hands the command to <c>farm-server</c>, which runs it.
/// </summary>
internal sealed class ServerOptions
{
    public const string CommandName = "server";

    public Option<string> Listen { get; } = new("--listen")
    {
        Description = "The gRPC address, host:port (plain-text HTTP/2). Port 0 picks a free port.",
        DefaultValueFactory = _ => "127.0.0.1:7575",
    };

    public Option<string> MetricsListen { get; } = new("--metrics-listen")
    {
        Description = "The Prometheus endpoint, host:port; /metrics is served there over HTTP/1. Port 0 picks a free port.",
        DefaultValueFactory = _ => "127.0.0.1:9464",
    };

    /// <summary>buildkitd's flag; <c>network.host</c> is the one entitlement the farm can grant.</summary>
    public Option<string[]> AllowInsecureEntitlement { get; } = new("--allow-insecure-entitlement")
    {
        Description = "Let builds that ask for it (farm build --allow network.host) run RUN --network=host steps in the host's network. Only network.host can be granted.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Command CreateCommand()
    {
        var command = new Command(CommandName, "Run the build farm on this machine: an embedded silo, the gRPC API and /metrics, state kept in the data directory.") { Listen, MetricsListen, AllowInsecureEntitlement };
        AllowInsecureEntitlement.Validators.Add(result =>
        {
            foreach (var name in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (name != "network.host")
                {
                    result.AddError($"--allow-insecure-entitlement \"{name}\" cannot be granted: only network.host can.");
                }
            }
        });
        return command;
    }
}
