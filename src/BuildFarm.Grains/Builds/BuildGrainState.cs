using MessagePack;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// What a build grain persists beside its journal: the request, where it runs and how it ended.
/// Its events are in journal pages (<see cref="BuildJournalPage"/>), written as they happen.
/// </summary>
[MessagePackObject]
public sealed class BuildGrainState
{
    [Key(0)]
    public BuildSpec? Spec { get; set; }

    [Key(1)]
    public BuildState State { get; set; }

    [Key(2)]
    public DateTimeOffset? CreatedAt { get; set; }

    [Key(3)]
    public DateTimeOffset? FinishedAt { get; set; }

    [Key(4)]
    public string? Error { get; set; }

    [Key(5)]
    public BuildOutput? Output { get; set; }

    /// <summary>Every event, for builds recorded before journals (then <see cref="EventsPerPage"/> is 0); empty otherwise.</summary>
    [Key(6)]
    public List<BuildEventRecord> Events { get; set; } = [];

    /// <summary>Events per journal page, fixed when the build started.</summary>
    [Key(7)]
    public int EventsPerPage { get; set; }

    /// <summary>How many journal pages are full; the open page follows them.</summary>
    [Key(8)]
    public long SealedPages { get; set; }

    /// <summary>The silo that coordinates (or coordinated) the build.</summary>
    [Key(9)]
    public string? Silo { get; set; }

    /// <summary>Its place in the build index (<see cref="IBuildIndexGrain"/>); 0 before it has one.</summary>
    [Key(10)]
    public long IndexOrdinal { get; set; }

    /// <summary>For a build that failed in a step: that step's failure.</summary>
    [Key(11)]
    public StepFailureRecord? FailedStep { get; set; }
}
