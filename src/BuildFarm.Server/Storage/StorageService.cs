using BuildFarm.Api.V1;
using BuildFarm.Grains.Storage;
using Grpc.Core;

namespace BuildFarm.Server.Storage;

/// <summary>
/// The <c>buildfarm.v1.Storage</c> service: <c>farm du</c> over the silo's <see cref="Execution.Pruning.StoragePruner"/>,
/// and <c>farm prune</c> over every silo of the cluster (<see cref="ClusterPrune"/>).
/// </summary>
public sealed class StorageService(Execution.Pruning.StoragePruner pruner, ClusterPrune cluster) : Api.V1.Storage.StorageBase
{
    public override async Task<DiskUsageResponse> DiskUsage(DiskUsageRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var usage = await pruner.MeasureAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new DiskUsageResponse();
        response.Entries.AddRange(usage.Entries.Select(static entry => new UsageEntry
        {
            Kind = Kind(entry.Kind),
            Count = (ulong)entry.Count,
            SizeBytes = (ulong)entry.Bytes,
            ReclaimableBytes = (ulong)entry.Reclaimable,
            ReclaimableAllBytes = (ulong)entry.ReclaimableAll,
        }));
        return response;
    }

    public override async Task<PruneResponse> Prune(PruneRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var result = await cluster.PruneAsync(request.All, context.CancellationToken).ConfigureAwait(false);
        return new PruneResponse
        {
            ReclaimedBytes = (ulong)result.ReclaimedBytes,
            Blobs = Message(result.Blobs),
            StepRecords = Message(result.StepRecords),
            Snapshots = Message(result.Snapshots),
            CacheMounts = Message(result.CacheMounts),
            Leftovers = Message(result.Leftovers),
        };
    }

    private static Amount Message(BuildFarm.Storage.Pruning.Amount amount) => new() { Count = (ulong)amount.Count, SizeBytes = (ulong)amount.Bytes };

    private static UsageKind Kind(Execution.Pruning.UsageKind kind) => kind switch
    {
        Execution.Pruning.UsageKind.Images => UsageKind.Images,
        Execution.Pruning.UsageKind.BuildCache => UsageKind.BuildCache,
        Execution.Pruning.UsageKind.Unreferenced => UsageKind.Unreferenced,
        Execution.Pruning.UsageKind.Snapshots => UsageKind.Snapshots,
        Execution.Pruning.UsageKind.CacheMounts => UsageKind.CacheMounts,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
