using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Pruning;
using BuildFarm.Grains;
using BuildFarm.Grains.Blobs;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Hosting;
using BuildFarm.Grains.Metrics;
using BuildFarm.Grains.Persistence;
using BuildFarm.Grains.Steps;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Pruning;
using BuildFarm.Storage.Steps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Orleans.Hosting;

/// <summary>Makes a silo a build farm silo.</summary>
public static class BuildFarmSiloExtensions
{
    /// <summary>
    /// Adds the farm's grains' services: the silo's content store and execution engine (opened by
    /// the caller, who owns them), a build engine whose step cache is the cluster's cache key
    /// grains, grain state on the store's disk, and the pruner of it all with the gate that keeps
    /// prunes and builds apart.
    /// </summary>
    /// <param name="registry">How the silo reaches registries: to pull base images the store lacks, and to push results.</param>
    public static ISiloBuilder AddBuildFarm(this ISiloBuilder silo, ContentStore content, ExecutionEngine execution, RegistryClient registry, BuildEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(execution);
        options ??= new BuildEngineOptions();
        options.Validate();
        var services = silo.Services;
        // A cluster keeps grain state where every silo reaches it (Redis), registered before this;
        // a silo on its own keeps it on its disk.
        var sharedState = services.Any(service => service.IsKeyedService && service.ServiceType == typeof(IGrainStorage) && Equals(service.ServiceKey, GrainStorage.Name));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(content);
        services.AddSingleton(execution);
        services.AddSingleton(registry);
        silo.AddPlacementDirector<WorkerPlacementStrategy, WorkerPlacementDirector>();
        AddDistribution(services, content, options.WorkerName);
        silo.AddClusterImagesAndEviction(content, options.WorkerName);
        services.AddSingleton<IBaseImageSource>(provider => new RegistryBaseImages(content, registry, provider.GetRequiredService<BuildFarm.Storage.Images.IImageNames>(), provider.GetRequiredService<IBlobAvailability>()));
        services.AddSingleton(provider => new BuildEngine(
            execution,
            content,
            new GrainStepCache(
                provider.GetRequiredService<IGrainFactory>(),
                options.WorkerName,
                content,
                provider.GetRequiredService<ClusterSilos>(),
                provider.GetRequiredService<IOptions<BuildFarmClusterOptions>>().Value.ClaimLease),
            options,
            provider.GetRequiredService<TimeProvider>(),
            runner: new DeferredStepRunner(provider.GetRequiredService<ClusterStepRunner>),
            baseImages: provider.GetRequiredService<IBaseImageSource>(),
            blobs: provider.GetRequiredService<IBlobSource>()));
        services.AddSingleton(provider => new FarmMetrics(content, provider.GetRequiredService<BuildEngine>(), provider.GetRequiredService<IClusterMembershipService>()));
        services.AddSingleton<PruneGate>();
        services.AddOptions<BuildGrainOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BuildGrainOptions>, BuildGrainOptionsValidator>());

        services.AddSingleton(provider => new StoragePruner(
            content,
            execution,
            provider.GetRequiredService<PruneGate>(),
            dropApproval: provider.GetRequiredService<BuildFarm.Grains.Layers.DirectoryDropApproval>(),
            stepRecords: ClusterImagesAndEvictionExtensions.StepRecordSets(provider, content)));
        services.AddSingleton(provider => sharedState
            ? GrainStepRecords.Shared(provider.GetRequiredService<IGrainFactory>())
            : GrainStepRecords.OnDisk(provider.GetRequiredService<IGrainFactory>(), new DiskGrainStorage(content.DataDirectory)));
        services.AddOptions<BuildFarmClusterOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BuildFarmClusterOptions>, BuildFarmClusterOptionsValidator>());

        if (!sharedState)
        {
            services.AddGrainStorage(GrainStorage.Name, (_, _) => new DiskGrainStorage(content.DataDirectory));
        }

        return silo;
    }

    // What spreads builds over silos: fetching blobs from peers, placing steps, replicating layers,
    // and running steps for builds coordinated elsewhere. The silo's name is what peers dial.
    private static void AddDistribution(IServiceCollection services, ContentStore content, string siloName)
    {
        services.AddSingleton(provider => new ClusterSilos(
            provider.GetRequiredService<IClusterMembershipService>(),
            provider.GetRequiredService<ILocalSiloDetails>(),
            siloName));
        services.AddSingleton(provider => new PeerBlobSource(
            provider.GetRequiredService<IGrainFactory>(),
            provider.GetRequiredService<ClusterSilos>(),
            provider.GetRequiredService<FarmMetrics>,
            provider.GetRequiredService<ILogger<PeerBlobSource>>()));
        services.AddSingleton<IBlobSource>(provider => provider.GetRequiredService<PeerBlobSource>());
        // Images named on another silo are saved, pushed and summarised here with blobs fetched from it.
        services.AddSingleton<IBlobAvailability>(provider => new SourcedBlobAvailability(content, provider.GetRequiredService<IBlobSource>()));
        services.AddSingleton(provider => new StepPlacement(
            provider.GetRequiredService<IGrainFactory>(),
            provider.GetRequiredService<ClusterSilos>(),
            () =>
            {
                var engine = provider.GetRequiredService<BuildEngine>();
                return new WorkerStatus(siloName, engine.RunningSteps, engine.QueuedSteps, engine.Options.MaxConcurrentSteps);
            }));
        services.AddSingleton(provider => new LayerReplication(
            provider.GetRequiredService<IGrainFactory>(),
            provider.GetRequiredService<ClusterSilos>(),
            content,
            provider.GetRequiredService<IBlobSource>(),
            provider.GetRequiredService<IOptions<BuildFarmClusterOptions>>().Value.Replicas,
            provider.GetRequiredService<FarmMetrics>,
            provider.GetRequiredService<ILogger<LayerReplication>>()));
        services.AddSingleton(provider => new ClusterStepRunner(
            provider.GetRequiredService<BuildEngine>(),
            provider.GetRequiredService<IGrainFactory>(),
            provider.GetRequiredService<StepPlacement>(),
            provider.GetRequiredService<LayerReplication>(),
            provider.GetRequiredService<FarmMetrics>(),
            provider.GetRequiredService<ClusterSilos>(),
            provider.GetRequiredService<ILogger<ClusterStepRunner>>()));
        services.AddSingleton<LocalStepRuns>();
    }
}
