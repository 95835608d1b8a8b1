namespace BuildFarm.Grains.Builds;

/// <summary>
/// How far a build has come, counted from its events as they are appended: every step of the
/// plan is queued once, and ends with one finished, cached or failed event.
/// </summary>
internal sealed class BuildProgress
{
    public DateTimeOffset? StartedAt { get; private set; }

    public int StepsTotal { get; private set; }

    public int StepsCompleted { get; private set; }

    /// <summary>The progress after <paramref name="events"/>, continuing from <paramref name="start"/> (none for a build's first event).</summary>
    public static BuildProgress Of(IEnumerable<BuildEventRecord> events, BuildProgressSnapshot? start = null)
    {
        var progress = new BuildProgress
        {
            StartedAt = start?.StartedAt,
            StepsTotal = start?.StepsTotal ?? 0,
            StepsCompleted = start?.StepsCompleted ?? 0,
        };
        foreach (var record in events)
        {
            progress.Add(record);
        }

        return progress;
    }

    public BuildProgressSnapshot Snapshot() => new(StartedAt, StepsTotal, StepsCompleted);

    public void Add(BuildEventRecord record)
    {
        switch (record.Kind)
        {
            case BuildEventKind.StepQueued:
                StepsTotal++;
                break;
            case BuildEventKind.StepFinished or BuildEventKind.StepCached:
                // A config-only step (ENV, LABEL, ...) starts and ends with its finished event.
                StartedAt ??= record.Timestamp;
                StepsCompleted++;
                break;
            case BuildEventKind.StepStarted or BuildEventKind.StepFailed:
                StartedAt ??= record.Timestamp;
                break;
        }
    }
}
