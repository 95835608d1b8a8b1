using MessagePack;

namespace BuildFarm.Grains.Steps;

/// <summary>A step's result as the farm records it: the layer it made, or none.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record StepRecordData
{
    [Id(0), Key(0)] public string? LayerDigest { get; init; }

    [Id(1), Key(1)] public string? LayerMediaType { get; init; }

    [Id(2), Key(2)] public long LayerSize { get; init; }

    [Id(3), Key(3)] public string? DiffId { get; init; }

    [Id(4), Key(4)] public long UncompressedSize { get; init; }

    /// <summary>The silo that ran it.</summary>
    [Id(5), Key(5)] public string? Silo { get; init; }
}
