using BuildFarm.Grains.Layers;
using BuildFarm.Storage.Content;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.Hosting;

/// <summary>Makes a farm silo's evictions set off by writes agree with the blob directory, as its prunes do.</summary>
public static partial class CoordinatedEvictionExtensions
{
    /// <summary>
    /// For a silo of a cluster (after <see cref="BuildFarmSiloExtensions.AddBuildFarm"/>): when a write
    /// takes the store over its size, the eviction asks the blob directory before it drops a blob, so
    /// that no silo drops the last replica of what a step record or a named image needs. The limit
    /// becomes soft: what only this silo holds and is needed stays. One silo alone leaves this out,
    /// and its store evicts least recently used first, as it always did.
    /// </summary>
    public static ISiloBuilder AddCoordinatedEviction(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo.AddStartupTask((provider, _) =>
        {
            var content = provider.GetRequiredService<ContentStore>();
            var logger = provider.GetRequiredService<ILogger<DirectoryDropApproval>>();
            content.EvictionFailed += error => LogEvictionFailed(logger, error);
            content.CoordinateEvictionWith(provider.GetRequiredService<DirectoryDropApproval>());
            return Task.CompletedTask;
        });
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "An eviction could not ask the blob directory and dropped nothing; the next write over the limit tries again")]
    private static partial void LogEvictionFailed(ILogger logger, Exception error);
}
