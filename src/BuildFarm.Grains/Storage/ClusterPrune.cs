using BuildFarm.Execution.Pruning;
using Orleans.Runtime;

namespace BuildFarm.Grains.Storage;

/// <summary>
/// <c>farm prune</c> for the whole cluster, whichever silo is asked: every active silo prunes its
/// own data directory through its <see cref="IStorageWorkerGrain"/>, all at once, and the
/// amounts are added up. Each silo's blob drops are agreed with the directory, so no silo drops
/// the last replica of what another still needs.
/// </summary>
public sealed class ClusterPrune(IGrainFactory grains)
{
    /// <summary>The names of the active silos, as they name themselves (their silo endpoint).</summary>
    public async Task<IReadOnlyList<string>> ActiveSilosAsync()
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false);
        return [.. hosts.Keys.Select(static silo => silo.Endpoint.ToString()).Order(StringComparer.Ordinal)];
    }

    public async Task<PruneResult> PruneAsync(bool all, CancellationToken cancellationToken = default)
    {
        var silos = await ActiveSilosAsync().ConfigureAwait(false);
        var results = await Task.WhenAll(silos.Select(silo => grains.GetGrain<IStorageWorkerGrain>(silo).PruneAsync(all, cancellationToken))).ConfigureAwait(false);
        return new PruneResult(
            Sum(results, static result => result.Blobs),
            Sum(results, static result => result.StepRecords),
            Sum(results, static result => result.Snapshots),
            Sum(results, static result => result.CacheMounts),
            Sum(results, static result => result.Leftovers));
    }

    private static BuildFarm.Storage.Pruning.Amount Sum(IEnumerable<SiloPruneResult> results, Func<SiloPruneResult, PrunedAmount> kind) =>
        new(results.Sum(result => kind(result).Count), results.Sum(result => kind(result).Bytes));
}
