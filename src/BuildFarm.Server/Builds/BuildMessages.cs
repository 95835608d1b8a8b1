using BuildFarm.Api.V1;
using BuildFarm.Grains.Builds;
using Google.Protobuf.WellKnownTypes;
using ApiBuildState = BuildFarm.Api.V1.BuildState;
using BuildEvent = BuildFarm.Api.V1.BuildEvent;
using BuildState = BuildFarm.Grains.Builds.BuildState;
using StepSummary = BuildFarm.Api.V1.StepSummary;

namespace BuildFarm.Server.Builds;

/// <summary>A build grain's records as <c>buildfarm.v1</c> messages.</summary>
internal static class BuildMessages
{
    public static ApiBuildState State(BuildState state) => state switch
    {
        BuildState.Running => ApiBuildState.Running,
        BuildState.Succeeded => ApiBuildState.Succeeded,
        BuildState.Failed => ApiBuildState.Failed,
        BuildState.Cancelled => ApiBuildState.Cancelled,
        _ => ApiBuildState.Unspecified,
    };

    public static Build Build(BuildSummary summary)
    {
        var build = new Build
        {
            BuildId = summary.Id,
            // The grain runs a build from its start; until a step starts it is queued, as clients see it.
            State = summary is { State: BuildState.Running, StartedAt: null } ? ApiBuildState.Queued : State(summary.State),
            Request = Request(summary),
            Error = summary.Error ?? string.Empty,
            LastSequence = (ulong)summary.LastSequence,
            StepsTotal = summary.StepsTotal,
            StepsCompleted = summary.StepsCompleted,
        };
        if (summary.CreatedAt is { } created)
        {
            build.Submitted = Timestamp.FromDateTimeOffset(created);
        }

        if (summary.StartedAt is { } started)
        {
            build.Started = Timestamp.FromDateTimeOffset(started);
        }

        if (summary.FinishedAt is { } finished)
        {
            build.Completed = Timestamp.FromDateTimeOffset(finished);
        }

        if (summary.Output is { } output)
        {
            build.Result = Result(summary, output);
        }

        if (summary.FailedStep is { } failed)
        {
            build.FailedStep = new FailedStep { StepId = failed.Step, Location = failed.Location, LastLines = { failed.LastLines } };
            if (failed.ExitCode is { } exitCode)
            {
                build.FailedStep.ExitCode = exitCode;
            }
        }

        return build;
    }

    // Builds recorded before requests were kept have their target and tags only.
    private static SubmitRequest Request(BuildSummary summary)
    {
        if (summary.SubmittedRequest is { } submitted)
        {
            return SubmitRequest.Parser.ParseFrom(submitted);
        }

        var request = new SubmitRequest { Target = summary.Target ?? string.Empty };
        request.Tags.AddRange(summary.Tags);
        return request;
    }

    public static BuildEvent Event(string buildId, BuildEventRecord record, BuildSummary summary)
    {
        var message = new BuildEvent { Sequence = (ulong)record.Sequence, Time = Timestamp.FromDateTimeOffset(record.Timestamp), BuildId = buildId };
        var step = new StepRef { Id = record.Step ?? string.Empty, Name = record.Name ?? string.Empty };
        switch (record.Kind)
        {
            case BuildEventKind.StepQueued:
                message.StepQueued = new StepQueued { Step = step, Silo = record.Silo ?? string.Empty };
                message.StepQueued.Inputs.AddRange(record.Inputs ?? []);
                break;
            case BuildEventKind.StepStarted:
                message.StepStarted = new StepStarted { Step = step, CacheKey = record.CacheKey ?? string.Empty, Silo = record.Silo ?? string.Empty };
                break;
            case BuildEventKind.StepCached:
                message.StepCached = new StepCached { Step = step, CacheKey = record.CacheKey ?? string.Empty, Silo = record.Silo ?? string.Empty };
                break;
            case BuildEventKind.Log:
                message.LogLine = new LogLine { Step = step, Silo = record.Silo ?? string.Empty, Stream = record.Stderr ? LogStream.Stderr : LogStream.Stdout, Text = record.Text ?? string.Empty };
                break;
            case BuildEventKind.StepFinished:
                message.StepFinished = new StepFinished
                {
                    Step = step,
                    CacheKey = record.CacheKey ?? string.Empty,
                    Silo = record.Silo ?? string.Empty,
                    Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(record.Seconds)),
                    LayerDigest = record.LayerDigest ?? string.Empty,
                };
                break;
            case BuildEventKind.StepFailed:
                message.StepFailed = new StepFailed { Step = step, Error = record.Text ?? string.Empty, CacheKey = record.CacheKey ?? string.Empty, Silo = record.Silo ?? string.Empty };
                if (record.Failure is { } failure)
                {
                    message.StepFailed.LastLines.AddRange(failure.LastLines);
                    if (failure.ExitCode is { } exitCode)
                    {
                        message.StepFailed.ExitCode = exitCode;
                    }
                }

                break;
            case BuildEventKind.BuildFinished:
                message.BuildFinished = new BuildFinished { Result = Result(summary, summary.Output!) };
                break;
            case BuildEventKind.ImageResolved:
                message.ImageResolved = new ImageResolved { Reference = record.Name ?? string.Empty, Digest = record.Text ?? string.Empty, Pulled = record.Pulled };
                break;
            case BuildEventKind.BuildCancelled:
                message.BuildCancelled = new BuildCancelled { Reason = record.Text ?? string.Empty };
                break;
            default:
                message.BuildFailed = new BuildFailed { Error = record.Text ?? string.Empty, StepId = record.Step ?? string.Empty };
                break;
        }

        return message;
    }

    private static BuildResult Result(BuildSummary summary, BuildOutput output)
    {
        var result = new BuildResult { ManifestDigest = output.ManifestDigest, ConfigDigest = output.ConfigDigest, Platform = "linux/amd64" };
        result.ImageNames.AddRange(summary.Tags);
        result.Steps.AddRange(output.Steps.Select(s => new StepSummary { Name = s.Name, Key = s.Key, Cached = s.Outcome == "cached", Seconds = s.Seconds, Silo = s.Silo ?? string.Empty, Outcome = s.Outcome }));
        return result;
    }
}
