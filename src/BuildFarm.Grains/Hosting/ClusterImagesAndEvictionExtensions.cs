using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Images;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Persistence;
using BuildFarm.Grains.Steps;
using BuildFarm.Grains.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Steps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Orleans.Hosting;

/// <summary>The part of a farm silo that makes image names, evictions and prunes the cluster's.</summary>
internal static class ClusterImagesAndEvictionExtensions
{
    /// <summary>
    /// Image names are the cluster's (the silo's store keeps a copy of those it sets, and brings its
    /// names in line with the cluster's when it starts); blobs are dropped only as the blob directory
    /// agrees; <c>farm prune</c> prunes every silo. Blobs a silo lacks stay missing unless the host
    /// registered an <see cref="IBlobAvailability"/> that fetches them before this.
    /// </summary>
    /// <param name="silo">This silo's name, as the blob directory lists holders.</param>
    public static void AddClusterImagesAndEviction(this ISiloBuilder builder, ContentStore content, string silo)
    {
        var services = builder.Services;
        services.TryAddSingleton<IBlobAvailability>(LocalBlobAvailability.Instance);
        services.AddSingleton(provider => new ImageReplication(
            provider.GetRequiredService<IGrainFactory>(),
            content,
            provider.GetRequiredService<BuildFarm.Grains.Workers.ClusterSilos>(),
            provider.GetRequiredService<BuildFarm.Grains.Workers.LayerReplication>()));
        services.AddSingleton<IImageNames>(provider => new ClusterImageNames(provider.GetRequiredService<IGrainFactory>(), content, provider.GetRequiredService<ImageReplication>()));
        builder.AddStartupTask((provider, cancellationToken) => ImageNameAdoption.RunAsync(
            provider.GetRequiredService<IGrainFactory>(),
            content,
            provider.GetRequiredService<ImageReplication>(),
            cancellationToken));
        services.AddSingleton(provider => new DirectoryDropApproval(
            provider.GetRequiredService<IGrainFactory>(),
            silo,
            new ClusterBlobNeeds(provider.GetRequiredService<IGrainFactory>(), StepRecordSets(provider, content))));
        services.AddSingleton(provider => new ClusterPrune(provider.GetRequiredService<IGrainFactory>()));
    }

    /// <summary>
    /// The build cache, as the pruner lists it and the records a blob may be needed by: the grains'
    /// records, and those of LocalStepCache (steps/) that an engine without the farm may have left
    /// in the same data directory.
    /// </summary>
    internal static IReadOnlyList<IStepRecordSet> StepRecordSets(IServiceProvider provider, ContentStore content) =>
    [
        provider.GetRequiredService<GrainStepRecords>(),
        new LocalStepCache(new StepRecordStore(content.DataDirectory)),
    ];
}
