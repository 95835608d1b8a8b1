using MessagePack;

namespace BuildFarm.Grains.Builds;

public enum BuildEventKind
{
    StepQueued,
    StepStarted,
    StepCached,
    Log,
    StepFinished,
    StepFailed,
    BuildFinished,
    BuildFailed,
    BuildCancelled,

    /// <summary>A base image's reference was resolved (<see cref="BuildEventRecord.Name"/>) to a digest (<see cref="BuildEventRecord.Text"/>).</summary>
    ImageResolved,
}

/// <summary>
/// One event of a build, numbered from 1 in the order it happened. One flat shape for every
/// kind, so that the log persists and replays as it was.
/// </summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record BuildEventRecord
{
    [Id(0), Key(0)] public required long Sequence { get; init; }

    [Id(1), Key(1)] public required DateTimeOffset Timestamp { get; init; }

    [Id(2), Key(2)] public required BuildEventKind Kind { get; init; }

    /// <summary><c>stage.step</c>, for step events.</summary>
    [Id(3), Key(3)] public string? Step { get; init; }

    /// <summary>The step as BuildKit shows it: <c>[build 2/4] RUN make</c>.</summary>
    [Id(4), Key(4)] public string? Name { get; init; }

    [Id(5), Key(5)] public string? CacheKey { get; init; }

    /// <summary>The silo that ran (or recorded) the step.</summary>
    [Id(6), Key(6)] public string? Silo { get; init; }

    /// <summary>The log line, the error, or a resolved image's digest.</summary>
    [Id(7), Key(7)] public string? Text { get; init; }

    /// <summary>For a log line: true for stderr.</summary>
    [Id(8), Key(8)] public bool Stderr { get; init; }

    /// <summary>For a finished step: ran, cached, joined or config.</summary>
    [Id(9), Key(9)] public string? Outcome { get; init; }

    [Id(10), Key(10)] public double Seconds { get; init; }

    /// <summary>For a finished step: the digest of the layer it contributed, or null.</summary>
    [Id(11), Key(11)] public string? LayerDigest { get; init; }

    /// <summary>For a queued step: the ids of the steps whose results it reads (its parent, the last step of each stage it copies from or mounts).</summary>
    [Id(12), Key(12)] public IReadOnlyList<string>? Inputs { get; init; }

    /// <summary>For a resolved image: true when it was pulled from its registry for this build.</summary>
    [Id(13), Key(13)] public bool Pulled { get; init; }

    /// <summary>For a failed step: the failure in parts (line, exit code, last lines of output).</summary>
    [Id(14), Key(14)] public StepFailureRecord? Failure { get; init; }
}

/// <summary>Why a step failed, in parts: the step, its Dockerfile line, and for a RUN whose process ran, its exit code and last lines of output.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record StepFailureRecord
{
    /// <summary><c>stage.step</c>.</summary>
    [Id(0), Key(0)] public required string Step { get; init; }

    /// <summary><c>file:line</c> of its instruction.</summary>
    [Id(1), Key(1)] public required string Location { get; init; }

    /// <summary>The process's exit code; null when no process ran.</summary>
    [Id(2), Key(2)] public int? ExitCode { get; init; }

    /// <summary>The last lines the process wrote, both streams in the order they came.</summary>
    [Id(3), Key(3)] public IReadOnlyList<string> LastLines { get; init; } = [];
}

/// <summary>A page of events; <see cref="Done"/> once the build has ended and every event was read.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record BuildEventPage(
    [property: Id(0), Key(0)] IReadOnlyList<BuildEventRecord> Events,
    [property: Id(1), Key(1)] bool Done,
    [property: Id(2), Key(2)] BuildSummary Summary);
