using System.Net;
using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Oci.Registry;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Server.Hosting;

/// <summary>How <c>farm server</c> runs: one embedded silo whose blobs and snapshots live in <see cref="DataDirectory"/>, on its own or in a cluster.</summary>
public sealed class FarmServerOptions
{
    /// <summary>Where blobs, snapshots, step records and grain state live; they survive a restart.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The gRPC endpoint (HTTP/2 only, so plain-text gRPC works); port 0 picks a free one.</summary>
    public IPEndPoint GrpcEndpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The Prometheus endpoint, <c>/metrics</c> over HTTP/1; port 0 picks a free one.</summary>
    public IPEndPoint MetricsEndpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Whether and how this silo joins others: its Redis, cluster id, address and ports.</summary>
    public FarmClusterOptions Cluster { get; init; } = new();

    /// <summary>How many silos hold each layer and image (<see cref="Grains.Hosting.BuildFarmClusterOptions.Replicas"/>).</summary>
    public int Replicas { get; init; } = 2;

    public BuildEngineOptions Engine { get; init; } = new();

    /// <summary>How steps run: runc, their network (<see cref="ExecutionOptions.AllowNetworkHost"/>) and the limits of each RUN step.</summary>
    public ExecutionOptions Execution { get; init; } = new();

    /// <summary>How base images a build lacks are pulled and results are pushed: credentials and plain-HTTP registries. The server disposes it.</summary>
    public RegistryClient Registry { get; init; } = new(new RegistryClientOptions());

    /// <summary>Sets up logging; the default keeps ASP.NET Core's (console) providers.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
