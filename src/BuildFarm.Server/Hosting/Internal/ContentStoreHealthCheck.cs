using BuildFarm.Storage.Content;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BuildFarm.Server.Hosting.Internal;

/// <summary>Healthy while the content store's data directory is there to read and write blobs.</summary>
internal sealed class ContentStoreHealthCheck(ContentStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Directory.Exists(store.DataDirectory)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"The content store's data directory {store.DataDirectory} is gone."));
}
