using MessagePack;

namespace BuildFarm.Grains.Builds;

/// <summary>What a build grain persists: the request, how it ended, and every event it sent.</summary>
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

    [Key(6)]
    public List<BuildEventRecord> Events { get; set; } = [];
}
