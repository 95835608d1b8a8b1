using MessagePack;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// One page of a build's event journal, a state of the build grain of its own: page <c>p</c>
/// holds events <c>p·N+1</c> to <c>(p+1)·N</c> (N fixed when the build starts), and the build's
/// progress after the last of them.
/// </summary>
[MessagePackObject]
public sealed class BuildJournalPage
{
    [Key(0)]
    public List<BuildEventRecord> Events { get; set; } = [];

    [Key(1)]
    public BuildProgressSnapshot Progress { get; set; } = BuildProgressSnapshot.None;
}

/// <summary>How far a build had come after some event: the counts its summary reports.</summary>
[MessagePackObject]
public sealed record BuildProgressSnapshot(
    [property: Key(0)] DateTimeOffset? StartedAt,
    [property: Key(1)] int StepsTotal,
    [property: Key(2)] int StepsCompleted)
{
    public static readonly BuildProgressSnapshot None = new(null, 0, 0);
}
