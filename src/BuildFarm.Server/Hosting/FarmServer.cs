using System.Net;
using System.Net.Sockets;
using BuildFarm.Execution;
using BuildFarm.Grains.Metrics;
using BuildFarm.Oci.Registry;
using BuildFarm.Server.Builds;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using BuildFarm.Grains.Hosting;
using BuildFarm.Server.Hosting.Internal;
using Orleans.Hosting;

namespace BuildFarm.Server.Hosting;

/// <summary>
/// A running farm silo: an embedded Orleans silo with the farm's grains, and the gRPC API and
/// <c>/metrics</c>, over one data directory; on its own (the default) or one of a Redis cluster.
/// </summary>
public sealed class FarmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ContentStore _store;
    private readonly RegistryClient _registry;

    private FarmServer(WebApplication app, ContentStore store, RegistryClient registry, Uri address, Uri metricsAddress, string siloName)
    {
        SiloName = siloName;
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

    /// <summary>The silo's name in the cluster and in step records: the endpoint peers dial, <c>address:silo-port</c>.</summary>
    public string SiloName { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Opens the data directory, clears what a crashed server left, and starts the silo and the API.</summary>
    public static async Task<FarmServer> StartAsync(FarmServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Cluster.Validate();

        // A silo or gateway port left to the server is picked free and released, then bound by
        // Orleans: another process can take it in between. Such a start is made again, on ports
        // picked anew, a few times.
        var cluster = options.Cluster;
        var portsPicked = cluster.SiloPortOrDefault == 0 || cluster.GatewayPortOrDefault == 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (AddressInUseException) when (portsPicked && attempt < PickedPortAttempts)
            {
            }
        }
    }

    private const int PickedPortAttempts = 3;

    private static async Task<FarmServer> StartOnceAsync(FarmServerOptions options, CancellationToken cancellationToken)
    {
        // Checked before anything else opens, so that a Redis that cannot be reached is named at once
        // rather than in Orleans' retries of its membership table.
        if (options.Cluster.Redis is { } redis)
        {
            await RedisConnection.CheckReachableAsync(redis, cancellationToken).ConfigureAwait(false);
        }

        var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = options.DataDirectory });
        WebApplication? app = null;
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
            var cluster = options.Cluster;
            var siloPort = cluster.SiloPortOrDefault == 0 ? FreePort(cluster.AdvertisedAddress) : cluster.SiloPortOrDefault;
            var gatewayPort = cluster.GatewayPortOrDefault == 0 ? FreePort(cluster.AdvertisedAddress) : cluster.GatewayPortOrDefault;
            var siloName = new IPEndPoint(cluster.AdvertisedAddress, siloPort).ToString();
            options.Engine.WorkerName = siloName;
            builder.Host.UseOrleans(silo => silo
                .UseFarmCluster(cluster, siloPort, gatewayPort)
                .Configure<BuildFarmClusterOptions>(grains => grains.Replicas = options.Replicas)
                .AddBuildFarm(store, execution, options.Registry, options.Engine));
            builder.Services.AddSingleton(TimeProvider.System);
            if (cluster.IsCluster)
            {
                builder.Services.AddHostedService(provider => new ClusterAddressFence(
                    execution.Network,
                    provider.GetRequiredService<IClusterMembershipService>(),
                    cluster.Redis!,
                    provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ClusterAddressFence>>()));
            }

            builder.Services.AddBuildFarmGrpc();
            app = builder.Build();
            app.MapBuildFarmGrpc();
            app.MapGet("/metrics", async (HttpContext http, FarmMetrics metrics) =>
            {
                http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
            });
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            // Kestrel lists the bound addresses in the order the endpoints were added.
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
            return new FarmServer(app, store, options.Registry, bound[0], bound[1], siloName);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

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

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
