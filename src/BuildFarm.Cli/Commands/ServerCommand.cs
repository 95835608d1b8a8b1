using System.CommandLine;
using System.Net;
using BuildFarm.Cli.Building;
using BuildFarm.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Cli.Commands;

/// <summary><c>farm server</c>: runs the farm on this machine (one embedded silo, the gRPC API) until stopped.</summary>
internal static class ServerCommand
{
    public static Command Create(FarmContext context)
    {
        var listen = new Option<string>("--listen")
        {
            Description = "The gRPC address, host:port (plain-text HTTP/2). Port 0 picks a free port.",
            DefaultValueFactory = _ => "127.0.0.1:7575",
        };
        var metricsListen = new Option<string>("--metrics-listen")
        {
            Description = "The Prometheus endpoint, host:port; /metrics is served there over HTTP/1. Port 0 picks a free port.",
            DefaultValueFactory = _ => "127.0.0.1:9464",
        };
        var command = new Command("server", "Run the build farm on this machine: an embedded silo, the gRPC API and /metrics, state kept in the data directory.") { listen, metricsListen };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            var endpoint = Endpoint(parseResult, listen);
            var metricsEndpoint = Endpoint(parseResult, metricsListen);

            var dataDirectory = context.DataDirectory(parseResult);
            await using var server = await FarmServer.StartAsync(
                new FarmServerOptions
                {
                    DataDirectory = dataDirectory,
                    GrpcEndpoint = endpoint,
                    MetricsEndpoint = metricsEndpoint,
                    Registry = context.CreateRegistryClient(parseResult),
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
