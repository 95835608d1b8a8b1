using System.Net;
using System.Net.Sockets;
using BuildFarm.Execution;
using BuildFarm.Grains.Metrics;
using BuildFarm.Oci.Registry;
using BuildFarm.Server.Builds;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace BuildFarm.Server.Hosting;

/// <summary>
/// A running farm on one machine: an embedded Orleans silo (localhost clustering) with the
/// farm's grains, and the gRPC API, over one data directory.
/// </summary>
public sealed class FarmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ContentStore _store;
    private readonly RegistryClient _registry;

    private FarmServer(WebApplication app, ContentStore store, RegistryClient registry, Uri address, Uri metricsAddress)
    {
        MetricsAddress = metricsAddress;
        _app = app;
        _store = store;
        _registry = registry;
        Address = address;
    }

    /// <summary>Where clients reach the gRPC API (<c>http://127.0.0.1:port</c>).</summary>
    public Uri Address { get; }

    /// <summary>Where Prometheus scrapes (<c>http://127.0.0.1:port/metrics</c>).</summary>
    public Uri MetricsAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Opens the data directory, clears what a crashed server left, and starts the silo and the API.</summary>
    public static async Task<FarmServer> StartAsync(FarmServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = options.DataDirectory });
        try
        {
            var execution = await ExecutionEngine.OpenAsync(store, options.Execution).ConfigureAwait(false);
            // The content root is the data directory, not whatever directory the server was started
            // in, and configuration files are not watched: the host's default watches its content
            // root recursively with inotify, which for a server started in a monorepo (or above its
            // own data directory) meant a watch per directory and an event per file a build wrote.
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                ContentRootPath = options.DataDirectory,
                Args = ["--hostBuilder:reloadConfigOnChange=false"],
            });
            options.ConfigureLogging?.Invoke(builder.Logging);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(options.GrpcEndpoint, listen => listen.Protocols = HttpProtocols.Http2);
                kestrel.Listen(options.MetricsEndpoint, listen => listen.Protocols = HttpProtocols.Http1);
            });
            builder.Host.UseOrleans(silo => silo
                .UseLocalhostClustering(
                    siloPort: options.SiloPort == 0 ? FreePort() : options.SiloPort,
                    gatewayPort: options.GatewayPort == 0 ? FreePort() : options.GatewayPort,
                    serviceId: "buildfarm",
                    clusterId: "buildfarm-local")
                .Configure<ClusterMembershipOptions>(membership => membership.DefunctSiloCleanupPeriod = null)
                .AddBuildFarm(store, execution, options.Registry, options.Engine));
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddBuildFarmGrpc();
            var app = builder.Build();
            app.MapBuildFarmGrpc();
            app.MapGet("/metrics", async (HttpContext http, FarmMetrics metrics) =>
            {
                http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
            });
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            // Kestrel lists the bound addresses in the order the endpoints were added.
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
            return new FarmServer(app, store, options.Registry, bound[0], bound[1]);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the host is asked to stop (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _store.Dispose();
        _registry.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
