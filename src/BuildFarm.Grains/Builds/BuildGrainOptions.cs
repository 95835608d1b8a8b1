namespace BuildFarm.Grains.Builds;

/// <summary>How build grains keep their journal and index, and stay active while a build runs.</summary>
public sealed class BuildGrainOptions
{
    /// <summary>
    /// Events per journal page. A page is rewritten as events are appended to it, so this bounds
    /// each write; a build keeps the size it started with.
    /// </summary>
    public int EventsPerPage { get; set; } = 256;

    /// <summary>Builds per sealed page of the build index: what one list call reads at a time.</summary>
    public int IndexEntriesPerPage { get; set; } = 100;

    /// <summary>
    /// How often a running build's keep-alive timer ticks. Each tick extends the activation's
    /// life, so it must be well under Orleans' grain collection age (15 minutes by default).
    /// </summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);
}
