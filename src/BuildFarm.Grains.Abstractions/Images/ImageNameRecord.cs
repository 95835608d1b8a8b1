using MessagePack;

namespace BuildFarm.Grains.Images;

/// <summary>An image name as the cluster keeps it.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record ImageNameRecord
{
    [Id(0), Key(0)] public required string Name { get; init; }

    /// <summary>The manifest or index descriptor it names, in the JSON form image names persist descriptors in.</summary>
    [Id(1), Key(1)] public required byte[] Target { get; init; }

    /// <summary>The digest of <see cref="Target"/>.</summary>
    [Id(2), Key(2)] public required string TargetDigest { get; init; }

    [Id(3), Key(3)] public DateTimeOffset CreatedAt { get; init; }

    [Id(4), Key(4)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// The digests of every blob the image reaches (index, manifests, configs, layers), as the silo
    /// that named it saw them: what eviction must keep a replica of while the name lives.
    /// </summary>
    [Id(5), Key(5)] public IReadOnlyList<string> Blobs { get; init; } = [];
}
