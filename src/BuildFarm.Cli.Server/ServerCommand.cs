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
            var endpoint = Endpoint(parseResult, options.Listen);
            var metricsEndpoint = Endpoint(parseResult, options.MetricsListen);

            var execution = ExecutionSettings.Resolve(parseResult, options, context.Environment);
            execution.AllowNetworkHost = (parseResult.GetValue(options.AllowInsecureEntitlement) ?? []).Contains(Entitlements.NetworkHost);
            var dataDirectory = context.DataDirectory(parseResult);
            await using var server = await FarmServer.StartAsync(
                new FarmServerOptions
                {
                    DataDirectory = dataDirectory,
                    GrpcEndpoint = endpoint,
                    MetricsEndpoint = metricsEndpoint,
                    Registry = context.CreateRegistryClient(parseResult),
                    Execution = execution,
                    // The silo's advice to turn on server GC is for dedicated hosts, not a farm on a workstation.
                    ConfigureLogging = static logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans.Runtime.Silo", LogLevel.Error),
                },
                cancellationToken).ConfigureAwait(false);
            using var announcement = LocalServer.Announce(dataDirectory, server.Address);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"farm server listening on {server.Address}, metrics on {server.MetricsAddress}metrics (data: {dataDirectory})").ConfigureAwait(false);
            await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static IPEndPoint Endpoint(ParseResult parseResult, Option<string> option) =>
        IPEndPoint.TryParse(parseResult.GetValue(option)!, out var endpoint)
            ? endpoint
            : throw new FarmException($"{option.Name} \"{parseResult.GetValue(option)}\" is not host:port (an IP address and a port)");
}
