using System.Collections.Concurrent;
using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Grains;
using BuildFarm.Grains.Hosting;
using BuildFarm.Grains.Persistence;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>
/// Two farm silos in one process (Orleans' TestingHost), each with its own data directory, content
/// store and execution engine, and grain state in one directory both share, as Redis would be shared.
/// </summary>
public sealed class TwoSiloFarm : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("buildfarm-grains");
    private readonly ConcurrentDictionary<string, Silo> _byName = new();
    private InProcessTestCluster _cluster = null!;

    private TwoSiloFarm()
    {
    }

    /// <summary>The first silo, then the second.</summary>
    public IReadOnlyList<Silo> Silos { get; private set; } = [];

    public IGrainFactory Grains => _cluster.Client;

    /// <param name="maxBytes">Each store's size limit (and, as low water, 0): small for eviction tests.</param>
    /// <param name="coordinateEviction">Whether writes over the limit ask the blob directory (a cluster's silos do).</param>
    /// <param name="replicas">How many silos a layer or named image is copied to (--replicas); 1 copies nothing.</param>
    public static async Task<TwoSiloFarm> StartAsync(long? maxBytes = null, bool coordinateEviction = false, int replicas = 2)
    {
        var farm = new TwoSiloFarm();
        var shared = new DiskGrainStorage(farm._directory.CreateDirectory("shared-state"));
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((options, silo) =>
        {
            var name = $"127.0.0.1:{options.SiloPort}";
            var storeOptions = new ContentStoreOptions { DataDirectory = farm._directory.Combine(options.SiloName) };
            if (maxBytes is { } limit)
            {
                (storeOptions.MaxBytes, storeOptions.LowWaterBytes) = (limit, 0);
            }

            var store = ContentStore.Open(storeOptions);
            var execution = ExecutionEngine.OpenAsync(store).GetAwaiter().GetResult();
            farm._byName[options.SiloName] = new Silo(name, store, execution);
            silo.AddBuildFarm(store, execution, new RegistryClient(), new BuildEngineOptions { WorkerName = name });
            silo.Services.Configure<BuildFarmClusterOptions>(cluster => cluster.Replicas = replicas);
            // The last registration of a name is the one grains get: the shared state replaces each silo's own.
            silo.Services.AddGrainStorage(GrainStorage.Name, (_, _) => shared);
            if (coordinateEviction)
            {
                silo.AddCoordinatedEviction();
            }
        });
        farm._cluster = builder.Build();
        await farm._cluster.DeployAsync();
        farm.Silos = [.. farm._cluster.Silos.Select(handle => farm._byName[handle.Name] with { Services = farm._cluster.GetSiloServiceProvider(handle.SiloAddress) })];
        return farm;
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        foreach (var silo in _byName.Values)
        {
            silo.Store.Dispose();
        }

        _directory.Dispose();
    }

    /// <summary>One silo: its name (as blob locations list it), its store and engine, and its services.</summary>
    public sealed record Silo(string Name, ContentStore Store, ExecutionEngine Execution)
    {
        public IServiceProvider Services { get; init; } = null!;

        public T Get<T>()
            where T : notnull => Services.GetRequiredService<T>();
    }
}
