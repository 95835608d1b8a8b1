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
        var command = new Command("server", "Run the build farm on this machine: an embedded silo and the gRPC API, state kept in the data directory.") { listen };
        FarmAction.Set(command, async (parseResult, cancellationToken) =>
        {
            if (!IPEndPoint.TryParse(parseResult.GetValue(listen)!, out var endpoint))
            {
                throw new FarmException($"--listen \"{parseResult.GetValue(listen)}\" is not host:port (an IP address and a port)");
            }

            var dataDirectory = context.DataDirectory(parseResult);
            await using var server = await FarmServer.StartAsync(
                new FarmServerOptions
                {
                    DataDirectory = dataDirectory,
                    GrpcEndpoint = endpoint,
                    Registry = context.CreateRegistryClient(parseResult),
                    ConfigureLogging = static logging => logging.SetMinimumLevel(LogLevel.Warning),
                },
                cancellationToken).ConfigureAwait(false);
            using var announcement = LocalServer.Announce(dataDirectory, server.Address);
            await parseResult.InvocationConfiguration.Output.WriteLineAsync($"farm server listening on {server.Address} (data: {dataDirectory})").ConfigureAwait(false);
            await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
