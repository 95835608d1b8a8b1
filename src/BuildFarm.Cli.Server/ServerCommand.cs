using System.CommandLine;
using System.Net;
using BuildFarm.Cli.Building;
using BuildFarm.Cli.Commands;
using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Cli.Server;

/// <summary><c>farm server</c> (handed over to <c>farm-server</c>): runs the farm on this machine (one embedded silo, the gRPC API) until stopped.</summary>
internal static class ServerCommand
{
    public static Command Create(FarmContext context)
    {
        var options = new ServerOptions();
        var command = options.CreateCommand();
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var environment = context.Environment;
            var endpoint = ClusterSettings.Endpoint(parseResult, options.Listen, "FARM_LISTEN", environment);
            var metricsEndpoint = ClusterSettings.Endpoint(parseResult, options.MetricsListen, "FARM_METRICS_LISTEN", environment);
            var cluster = ClusterSettings.Resolve(parseResult, options, environment);
            var engine = new BuildEngineOptions();
            if (ClusterSettings.Slots(parseResult, options, environment) is { } slots)
            {
                engine.MaxConcurrentSteps = slots;
            }

            var execution = ExecutionSettings.Resolve(parseResult, options, environment);
            execution.AllowNetworkHost = (parseResult.GetValue(options.AllowInsecureEntitlement) ?? []).Contains(Entitlements.NetworkHost);
            var dataDirectory = context.DataDirectory(parseResult);
            await using var server = await StartAsync(
                new FarmServerOptions
                {
                    DataDirectory = dataDirectory,
                    GrpcEndpoint = endpoint,
                    MetricsEndpoint = metricsEndpoint,
                    Registry = context.CreateRegistryClient(parseResult),
                    Execution = execution,
                    Engine = engine,
                    Cluster = cluster,
                    Replicas = ClusterSettings.Replicas(parseResult, options, environment),
                    // The silo's advice to turn on server GC is for dedicated hosts, not a farm on a workstation.
                    ConfigureLogging = static logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans.Runtime.Silo", LogLevel.Error),
                },
                cancellationToken).ConfigureAwait(false);
            using var announcement = LocalServer.Announce(dataDirectory, server.Address);
            var joined = cluster.Redis is { } redis ? $", cluster {cluster.ClusterId} at Redis {redis}" : string.Empty;
            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"farm server listening on {server.Address}, metrics on {server.MetricsAddress}metrics (silo {server.SiloName}{joined}, data: {dataDirectory})").ConfigureAwait(false);
            await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    // A cluster that cannot be joined is the user's to fix (Redis down, a wrong address): one line, no stack trace.
    private static async Task<FarmServer> StartAsync(FarmServerOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await FarmServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (FarmClusterException e)
        {
            throw new FarmException(e.Message);
        }
    }
}
