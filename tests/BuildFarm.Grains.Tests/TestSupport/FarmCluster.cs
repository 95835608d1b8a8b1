using System.Collections.Concurrent;
using BuildFarm.Client.Context;
using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Grains.Hosting;
using BuildFarm.Grains.Metrics;
using BuildFarm.Grains.Persistence;
using BuildFarm.Oci;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>
/// Several farm silos in this process (Orleans' InProcessTestCluster), each with a data directory,
/// content store and execution engine (real runc) of its own, named by its endpoint as in a real
/// cluster. Grain state is shared between them as Redis shares it in a real cluster: here one
/// directory of <see cref="DiskGrainStorage"/> files. The first silo holds the busybox image.
/// </summary>
public sealed class FarmCluster : IAsyncDisposable
{
    public const string BusyboxName = "docker.io/library/busybox:latest";

    private readonly TempDirectory _directory = new("buildfarm-cluster");
    private readonly ConcurrentDictionary<string, SiloDisk> _disks = new(StringComparer.Ordinal);
    private readonly RegistryClient _registry = new();

    private FarmCluster()
    {
    }

    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>The silos in the order they started; the first coordinates the tests' builds.</summary>
    public IReadOnlyList<InProcessSiloHandle> Silos => Cluster.Silos;

    /// <param name="slots">Each silo's concurrent steps.</param>
    /// <param name="configure">More for each silo, after the farm (a test's grain call filter).</param>
    public static async Task<FarmCluster> StartAsync(int silos, int slots = 2, int replicas = 2, TimeSpan? claimLease = null, Action<ISiloBuilder>? configure = null)
    {
        var farm = new FarmCluster();
        var grainState = farm._directory.CreateDirectory("grain-state");
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((options, silo) =>
        {
            var name = $"127.0.0.1:{options.SiloPort}";
            var disk = farm._disks.GetOrAdd(name, _ => SiloDisk.Open(farm._directory.CreateDirectory("silo-" + options.SiloPort)));
            silo.Services.AddGrainStorage(GrainStorage.Name, (_, _) => new DiskGrainStorage(grainState));
            silo.AddBuildFarm(disk.Store, disk.Execution, farm._registry, new BuildEngineOptions { WorkerName = name, MaxConcurrentSteps = slots });
            silo.Services.Configure<BuildFarmClusterOptions>(cluster =>
            {
                cluster.Replicas = replicas;
                cluster.ClaimLease = claimLease ?? cluster.ClaimLease;
            });
            configure?.Invoke(silo);
        });
        farm.Cluster = builder.Build();
        await farm.Cluster.DeployAsync();
        foreach (var silo in farm.Silos)
        {
            // The contract every silo keeps: its name is the endpoint peers dial.
            Assert.Equal(silo.SiloAddress.Endpoint.ToString(), farm.Engine(silo).Options.WorkerName);
        }

        await (await BusyboxImage.GetAsync()).AddToAsync(farm.Store(farm.Silos[0]), BusyboxName);
        return farm;
    }

    public static string NameOf(InProcessSiloHandle silo) => silo.SiloAddress.Endpoint.ToString();

    public BuildEngine Engine(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<BuildEngine>();

    public ContentStore Store(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<ContentStore>();

    public FarmMetrics Metrics(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<FarmMetrics>();

    public IGrainFactory Grains(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<IGrainFactory>();

    /// <summary>Writes <paramref name="files"/> as a context directory and stores it as a content tree in <paramref name="store"/>, as a client's upload would.</summary>
    public Task<Digest> SendContextAsync(ContentStore store, IReadOnlyDictionary<string, string> files) =>
        SendContextAsync(store, directory =>
        {
            foreach (var (path, content) in files)
            {
                File.WriteAllText(Path.Combine(directory, path), content);
            }
        });

    /// <summary>Lets <paramref name="write"/> fill a context directory and stores it as a content tree in <paramref name="store"/>, as a client's upload would.</summary>
    public async Task<Digest> SendContextAsync(ContentStore store, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var directory = _directory.CreateDirectory("context-" + Guid.NewGuid().ToString("N")[..8]);
        write(directory);
        var snapshot = ContextSnapshot.Take(new ContextSnapshotOptions { ContextDirectory = directory, OnlyPathsTheDockerfileReads = false });
        foreach (var blob in snapshot.Blobs.Where(blob => !store.Exists(blob.Digest)))
        {
            await using var content = blob.OpenRead();
            await store.WriteAsync(content, blob.Digest, blob.Size);
        }

        return snapshot.Root;
    }

    /// <summary>A directory for a test's own store.</summary>
    public string NewDirectory(string name) => _directory.CreateDirectory(name + "-" + Guid.NewGuid().ToString("N")[..8]);

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var disk in _disks.Values)
        {
            disk.Store.Dispose();
        }

        _registry.Dispose();
        _directory.Dispose();
    }

    private sealed record SiloDisk(ContentStore Store, ExecutionEngine Execution)
    {
        // Silos are configured synchronously; opening the engine touches only the local disk.
        public static SiloDisk Open(string directory)
        {
            var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = directory });
            return new SiloDisk(store, ExecutionEngine.OpenAsync(store).GetAwaiter().GetResult());
        }
    }
}
