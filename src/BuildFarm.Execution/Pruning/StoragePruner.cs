using BuildFarm.Execution.Caching;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Eviction;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Execution.Pruning;

/// <summary>
/// Tells what a silo's data directory holds (<c>farm du</c>) and removes what no build will reuse
/// (<c>farm prune</c>), or all but what named images reach (<c>farm prune --all</c>).
/// </summary>
/// <remarks>
/// What is kept, as buildx keeps it: named images and every blob they reach; blobs leased by
/// running work; the build cache (step records and their layers) unless <c>--all</c>; the
/// snapshots of kept layers. A prune holds the <see cref="PruneGate"/> alone, so no build or
/// export runs while it deletes: whatever the <see cref="ScratchDirectories"/> hold then was
/// left by interrupted work.
/// </remarks>
public sealed class StoragePruner
{
    private readonly ContentStore _content;
    private readonly ExecutionEngine _execution;
    private readonly IReadOnlyList<IStepRecordSet> _stepRecords;
    private readonly IBlobDropApproval _dropApproval;

    /// <param name="stepRecords">Every place step results are recorded in this data directory.</param>
    /// <param name="dropApproval">Who must agree before a blob is dropped (in a cluster, the blob directory); nobody by default.</param>
    public StoragePruner(ContentStore content, ExecutionEngine execution, PruneGate gate, IReadOnlyList<IStepRecordSet> stepRecords, IBlobDropApproval? dropApproval = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(stepRecords);
        _content = content;
        _execution = execution;
        Gate = gate;
        _stepRecords = stepRecords;
        _dropApproval = dropApproval ?? LocalBlobDropApproval.Instance;
    }

    /// <summary>What builds and exports hold while they run, and what a prune holds alone.</summary>
    public PruneGate Gate { get; }

    /// <summary>What the data directory holds, by kind, and what each prune would free. Waits while a prune runs.</summary>
    public async Task<DiskUsage> MeasureAsync(CancellationToken cancellationToken = default)
    {
        using var hold = await Gate.EnterWorkAsync(cancellationToken).ConfigureAwait(false);
        var records = await ListRecordsAsync(cancellationToken).ConfigureAwait(false);
        var reach = _content.ReachFromImages();
        var blobs = _content.List();
        var stored = blobs.Select(static blob => blob.Digest).ToHashSet();
        var leased = _content.Leases.List().SelectMany(static lease => lease.Blobs).ToHashSet();
        var stepLayers = LayersOf(records);

        var imageBlobs = blobs.Where(blob => reach.Blobs.Contains(blob.Digest)).ToList();
        var cacheBlobs = blobs.Where(blob => !reach.Blobs.Contains(blob.Digest) && stepLayers.Contains(blob.Digest)).ToList();
        var otherBlobs = blobs.Where(blob => !reach.Blobs.Contains(blob.Digest) && !stepLayers.Contains(blob.Digest)).ToList();
        var recordBytes = records.Sum(static record => record.RecordBytes);
        var unreferencedReclaimable = Unleased(otherBlobs, leased);

        var snapshots = _execution.Snapshots.List();
        var keptByPrune = KeptDiffIds(reach, records, stored);
        var snapshotBytes = snapshots.Sum(static snapshot => snapshot.Bytes);
        var mounts = _execution.CacheMounts.List();
        var mountBytes = mounts.Sum(static mount => mount.Bytes);

        return new DiskUsage(
        [
            new UsageEntry(UsageKind.Images, _content.Images.List().Count, Sum(imageBlobs), 0, 0),
            new UsageEntry(UsageKind.BuildCache, records.Count, recordBytes + Sum(cacheBlobs), 0, recordBytes + Unleased(cacheBlobs, leased)),
            new UsageEntry(UsageKind.Unreferenced, otherBlobs.Count, Sum(otherBlobs), unreferencedReclaimable, unreferencedReclaimable),
            new UsageEntry(
                UsageKind.Snapshots,
                snapshots.Count,
                snapshotBytes,
                snapshots.Where(snapshot => !keptByPrune.Contains(snapshot.DiffId)).Sum(static snapshot => snapshot.Bytes),
                snapshots.Where(snapshot => !reach.DiffIds.Contains(snapshot.DiffId)).Sum(static snapshot => snapshot.Bytes)),
            new UsageEntry(UsageKind.CacheMounts, mounts.Count, mountBytes, mountBytes, mountBytes),
        ]);
    }

    /// <summary>
    /// Removes what no build will reuse and the cache mounts no step is using (as BuildKit's prune
    /// does: they only speed steps up); with <paramref name="all"/> the build cache too. Waits for running builds and exports to end (cancellable while it waits, and
    /// then nothing is removed); builds that start meanwhile wait until it ends.
    /// </summary>
    public async Task<PruneResult> PruneAsync(bool all, CancellationToken cancellationToken = default)
    {
        using var hold = await Gate.EnterPruneAsync(cancellationToken).ConfigureAwait(false);

        // From here on nothing is cancelled: a prune stopped halfway would only have freed less.
        // Records go before their blobs: a record whose layer is gone is merely a miss.
        var records = Amount.Zero;
        if (all)
        {
            foreach (var set in _stepRecords)
            {
                records += await set.ClearAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        var mounts = _execution.CacheMounts.Clear();

        var kept = await ListRecordsAsync(CancellationToken.None).ConfigureAwait(false);
        var evicted = await _content.PruneAsync(LayersOf(kept), _dropApproval, CancellationToken.None).ConfigureAwait(false);

        var stored = _content.List().Select(static blob => blob.Digest).ToHashSet();
        var keptDiffIds = KeptDiffIds(_content.ReachFromImages(), kept, stored);
        var snapshots = Amount.Zero;
        foreach (var (diffId, _) in _execution.Snapshots.List().Where(snapshot => !keptDiffIds.Contains(snapshot.DiffId)))
        {
            snapshots += new Amount(1, _execution.Snapshots.Delete(diffId));
        }

        var leftovers = Amount.Zero;
        foreach (var directory in ScratchDirectories.In(_content.DataDirectory))
        {
            leftovers += DiskSpace.Empty(directory);
        }

        return new PruneResult(new Amount(evicted.Evicted.Count, evicted.BytesEvicted), records, snapshots, mounts, leftovers);
    }

    private async Task<List<RecordedStep>> ListRecordsAsync(CancellationToken cancellationToken)
    {
        var records = new List<RecordedStep>();
        foreach (var set in _stepRecords)
        {
            records.AddRange(await set.ListAsync(cancellationToken).ConfigureAwait(false));
        }

        return records;
    }

    private static HashSet<Digest> LayersOf(IEnumerable<RecordedStep> records) =>
        [.. records.Where(static record => record.Layer is not null).Select(static record => record.Layer!.Descriptor.Digest)];

    // A snapshot is worth keeping while a kept layer unpacks to it: an image's, or a recorded
    // step's whose blob is still stored (a record whose blob is gone is a miss; its step runs again).
    private static HashSet<Digest> KeptDiffIds(ImageReach reach, IEnumerable<RecordedStep> records, HashSet<Digest> stored) =>
        [.. reach.DiffIds, .. records.Where(record => record.Layer is { } layer && stored.Contains(layer.Descriptor.Digest)).Select(static record => record.Layer!.DiffId)];

    private static long Sum(IEnumerable<BlobInfo> blobs) => blobs.Sum(static blob => blob.Size);

    private static long Unleased(IEnumerable<BlobInfo> blobs, HashSet<Digest> leased) => Sum(blobs.Where(blob => !leased.Contains(blob.Digest)));
}
