using MessagePack;
using Orleans.Concurrency;

namespace BuildFarm.Grains.Layers;

/// <summary>One layer blob, keyed by its digest: where its bytes live and when it was last used.</summary>
public interface ILayerGrain : IGrainWithStringKey
{
    /// <summary>Notes that <paramref name="silo"/> holds the blob (after a step made it or a cache hit used it).</summary>
    Task RecordAsync(LayerInfo info, string silo);

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

    [Id(2), Key(2)] public required string DiffId { get; init; }

    [Id(3), Key(3)] public IReadOnlyList<string> Silos { get; init; } = [];

    [Id(4), Key(4)] public DateTimeOffset LastUsed { get; init; }
}
