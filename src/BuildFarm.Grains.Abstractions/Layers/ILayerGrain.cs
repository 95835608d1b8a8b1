using MessagePack;
using Orleans.Concurrency;

namespace BuildFarm.Grains.Layers;

/// <summary>
/// One blob, keyed by its digest: where its bytes live and when it was last used. Most are the
/// layers steps make; the others are what a named image reaches (its manifest, config and base
/// layers), so that any silo can fetch every blob of an image named on another.
/// </summary>
public interface ILayerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Notes that <paramref name="silo"/> holds the blob (after a step made it, a cache hit used it
    /// or an image that reaches it was named). An <paramref name="info"/> without a diffID (a blob
    /// an image reaches) does not replace what a step recorded of the same blob.
    /// </summary>
    Task RecordAsync(LayerInfo info, string silo);

    /// <summary>
    /// Notes that <paramref name="silo"/> holds the blob too (it fetched it), when the blob has a
    /// record; a blob without one (a context file) stays without.
    /// </summary>
    Task AddHolderAsync(string silo);

    [AlwaysInterleave]
    Task<LayerInfo?> GetAsync();

    // Eviction: a silo asks before it drops its replica, so that the last replica of a needed blob stays.

    /// <summary>
    /// <paramref name="silo"/> would drop its replica: true when it may (it is then no longer listed
    /// as a holder), false when it must keep it — the blob is <paramref name="needed"/> (a step
    /// record, a named image or a running build) and no other silo is known to hold it.
    /// </summary>
    Task<bool> ReleaseReplicaAsync(string silo, bool needed);

    /// <summary><paramref name="silo"/> kept a replica it was allowed to drop: it is listed as a holder again.</summary>
    Task KeepReplicaAsync(string silo);
}

[GenerateSerializer, Immutable, MessagePackObject]
public sealed record LayerInfo
{
    [Id(0), Key(0)] public required string MediaType { get; init; }

    [Id(1), Key(1)] public required long Size { get; init; }

    /// <summary>The digest of the layer unpacked; empty for a blob no step made (see <see cref="ILayerGrain.RecordAsync"/>).</summary>
    [Id(2), Key(2)] public required string DiffId { get; init; }

    [Id(3), Key(3)] public IReadOnlyList<string> Silos { get; init; } = [];

    [Id(4), Key(4)] public DateTimeOffset LastUsed { get; init; }
}
