using BuildFarm.Execution.Building;

namespace BuildFarm.Grains.Builds;

/// <summary>The engine's events and result in the shapes a build grain keeps and sends.</summary>
internal static class BuildEvents
{
    public static BuildEventRecord ToRecord(BuildEvent buildEvent)
    {
        var record = new BuildEventRecord
        {
            Sequence = 0,
            Timestamp = buildEvent.Timestamp,
            Kind = BuildEventKind.StepQueued,
            Step = buildEvent.Step.ToString(),
            Name = buildEvent.Name,
        };
        return buildEvent switch
        {
            StepQueued queued => record with { Inputs = [.. queued.Inputs.Select(static input => input.ToString())], Silo = queued.Worker },
            StepStarted started => record with { Kind = BuildEventKind.StepStarted, CacheKey = started.Key.ToString(), Silo = started.Worker },
            StepLog log => record with { Kind = BuildEventKind.Log, Silo = log.Worker, Text = log.Line.Text, Stderr = log.Line.Stream == Execution.Sandbox.OutputStreamKind.Stderr, Timestamp = log.Line.Timestamp },
            StepFinished finished => record with
            {
                Kind = finished.Result.Outcome == StepOutcome.Cached ? BuildEventKind.StepCached : BuildEventKind.StepFinished,
                CacheKey = finished.Result.Key.ToString(),
                Silo = finished.Result.Worker,
                Outcome = OutcomeName(finished.Result.Outcome),
                Seconds = finished.Result.Duration.TotalSeconds,
                LayerDigest = finished.Result.Layer?.Descriptor.Digest.ToString(),
            },
            BaseImageResolved resolved => record with { Kind = BuildEventKind.ImageResolved, Step = null, Name = resolved.Reference, Text = resolved.Digest.ToString(), Pulled = resolved.Pulled },
            StepFailed failed => record with { Kind = BuildEventKind.StepFailed, CacheKey = failed.Key?.ToString(), Silo = failed.Worker, Text = failed.Error, Failure = ToRecord(failed.Failure) },
            _ => record,
        };
    }

    public static StepFailureRecord ToRecord(StepFailure failure) => new()
    {
        Step = failure.Step.ToString(),
        Location = failure.Location,
        ExitCode = failure.ExitCode,
        LastLines = failure.LastLines,
    };

    public static BuildOutput ToOutput(BuildResult result) => new()
    {
        ManifestDigest = result.Manifest.Digest.ToString(),
        ManifestSize = result.Manifest.Size,
        ConfigDigest = result.ConfigDigest.ToString(),
        Steps = [.. result.Steps.Select(step => new StepSummary
        {
            Name = step.Name,
            Key = step.Key.ToString(),
            Outcome = OutcomeName(step.Outcome),
            Seconds = Math.Round(step.Duration.TotalSeconds, 3),
            Silo = step.Worker,
        })],
    };

    public static string OutcomeName(StepOutcome outcome) => outcome switch
    {
        StepOutcome.Ran => "ran",
        StepOutcome.Cached => "cached",
        StepOutcome.Joined => "joined",
        _ => "config",
    };
}
