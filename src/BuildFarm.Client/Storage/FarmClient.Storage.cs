using BuildFarm.Api.V1;

namespace BuildFarm.Client.Builds;

/// <summary>The farm's storage, as the <c>buildfarm.v1.Storage</c> service reports and prunes it (see storage.proto).</summary>
public sealed partial class FarmClient
{
    /// <summary>What the farm's data directory holds, by kind, and what a prune would free (<c>farm du</c>).</summary>
    public async Task<IReadOnlyList<UsageEntry>> DiskUsageAsync(CancellationToken cancellationToken = default) =>
        (await Storage.DiskUsageAsync(new DiskUsageRequest(), cancellationToken: cancellationToken).ConfigureAwait(false)).Entries;

    /// <summary>Frees what no build will reuse; with <paramref name="all"/> the build cache too (<c>farm prune</c>). Waits for running builds.</summary>
    public async Task<PruneResponse> PruneAsync(bool all, CancellationToken cancellationToken = default) =>
        await Storage.PruneAsync(new PruneRequest { All = all }, cancellationToken: cancellationToken).ConfigureAwait(false);
}
