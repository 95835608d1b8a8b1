namespace BuildFarm.Execution.Pruning;

/// <summary>What a silo's data directory holds, one entry per <see cref="UsageKind"/>, in that enum's order.</summary>
public sealed record DiskUsage(IReadOnlyList<UsageEntry> Entries)
{
    public UsageEntry this[UsageKind kind] => Entries.Single(entry => entry.Kind == kind);
}

/// <summary>One kind of stored data.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Count">How many: image names, step records, blobs, snapshots, caches.</param>
/// <param name="Bytes">The bytes it takes.</param>
/// <param name="Reclaimable">What <c>farm prune</c> would free of it now.</param>
/// <param name="ReclaimableAll">What <c>farm prune --all</c> would free of it now.</param>
public sealed record UsageEntry(UsageKind Kind, long Count, long Bytes, long Reclaimable, long ReclaimableAll);

/// <summary>The kinds of data a silo keeps, as <c>farm du</c> lists them.</summary>
public enum UsageKind
{
    /// <summary>Named images and every blob they reach. Never pruned; <c>farm rmi</c> removes names.</summary>
    Images,

    /// <summary>Step records and the layer blobs only they reach. Kept by <c>farm prune</c>, cleared by <c>--all</c>.</summary>
    BuildCache,

    /// <summary>Blobs no image and no step record reaches: context files, tree nodes, manifests and configs of untagged builds.</summary>
    Unreferenced,

    /// <summary>Layers unpacked under <c>snapshots/</c>; those of layers no longer kept are pruned.</summary>
    Snapshots,

    /// <summary><c>RUN --mount=type=cache</c> directories under <c>cache-mounts/</c>; bounded in size, and pruned unless in use.</summary>
    CacheMounts,
}
