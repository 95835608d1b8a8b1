using MessagePack;

namespace BuildFarm.Grains.Builds;

public enum BuildState
{
    Unknown,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>A build as <c>Get</c> and <c>List</c> report it.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record BuildSummary
{
    [Id(0), Key(0)] public required string Id { get; init; }

    [Id(1), Key(1)] public BuildState State { get; init; }

    [Id(2), Key(2)] public DateTimeOffset? CreatedAt { get; init; }

    [Id(3), Key(3)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why it failed, for a failed build.</summary>
    [Id(4), Key(4)] public string? Error { get; init; }

    [Id(5), Key(5)] public BuildOutput? Output { get; init; }

    [Id(6), Key(6)] public string? Target { get; init; }

    [Id(7), Key(7)] public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The sequence number of the latest event (0 before the first).</summary>
    [Id(8), Key(8)] public long LastSequence { get; init; }

    /// <summary>The request as submitted (see <see cref="BuildSpec.SubmittedRequest"/>).</summary>
    [Id(9), Key(9)] public byte[]? SubmittedRequest { get; init; }

    /// <summary>When its first step started running or was found recorded; null while none has.</summary>
    [Id(10), Key(10)] public DateTimeOffset? StartedAt { get; init; }

    /// <summary>How many steps its plan has (0 until it is planned).</summary>
    [Id(11), Key(11)] public int StepsTotal { get; init; }

    /// <summary>How many of them have their result (ran, recorded, joined or config-only).</summary>
    [Id(12), Key(12)] public int StepsCompleted { get; init; }

    /// <summary>For a build that failed in a step: that step's failure.</summary>
    [Id(13), Key(13)] public StepFailureRecord? FailedStep { get; init; }
}

/// <summary>What a successful build produced.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record BuildOutput
{
    [Id(0), Key(0)] public required string ManifestDigest { get; init; }

    [Id(1), Key(1)] public required long ManifestSize { get; init; }

    [Id(2), Key(2)] public required string ConfigDigest { get; init; }

    [Id(3), Key(3)] public IReadOnlyList<StepSummary> Steps { get; init; } = [];
}

/// <summary>One step of a finished build, as <c>--metadata-file</c>'s <c>buildfarm.steps</c> lists it.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record StepSummary
{
    [Id(0), Key(0)] public required string Name { get; init; }

    [Id(1), Key(1)] public required string Key { get; init; }

    /// <summary>ran, cached, joined or config.</summary>
    [Id(2), Key(2)] public required string Outcome { get; init; }

    [Id(3), Key(3)] public double Seconds { get; init; }

    [Id(4), Key(4)] public string? Silo { get; init; }
}
