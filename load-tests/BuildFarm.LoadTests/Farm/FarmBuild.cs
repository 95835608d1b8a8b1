using System.Diagnostics;
using BuildFarm.Api.V1;
using BuildFarm.Client.Builds;
using BuildFarm.Client.Context;
using Grpc.Core;

namespace BuildFarm.LoadTests.Farm;

/// <summary>
/// Runs one build of a context directory (its <c>Dockerfile</c>) as <c>farm build</c> does: snapshot
/// and upload by content, submit, follow the events to the end. Every failure becomes the
/// outcome's error, so that a load run counts it and goes on.
/// </summary>
public static class FarmBuild
{
    /// <param name="export">The output the build is submitted with, as <c>farm build --output type=...</c> submits it, for a caller that then exports the image; null for none.</param>
    public static async Task<BuildOutcome> RunAsync(FarmClient farm, Uri server, string contextDirectory, TimeSpan timeout, CancellationToken cancellationToken, OutputType? export = null)
    {
        ArgumentNullException.ThrowIfNull(farm);
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var buildId = string.Empty;
        try
        {
            var (snapshot, _) = await farm.UploadContextAsync(new ContextSnapshotOptions { ContextDirectory = contextDirectory }, deadline.Token).ConfigureAwait(false);
            var uploaded = Stopwatch.GetElapsedTime(started);
            var request = new SubmitRequest { DockerfilePath = "Dockerfile", ContextRoot = snapshot.Root.ToString() };
            if (export is { } type)
            {
                request.Outputs.Add(new Output { Type = type });
            }

            BuildEvent? last = null;
            var steps = new StepRunRecorder();
            await foreach (var buildEvent in farm.SubmitAsync(request, deadline.Token).ConfigureAwait(false))
            {
                buildId = buildEvent.BuildId;
                last = buildEvent;
                steps.Add(buildEvent);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            return (last?.KindCase switch
            {
                BuildEvent.KindOneofCase.BuildFinished => new BuildOutcome(server, elapsed, buildId, last.BuildFinished.Result, null),
                BuildEvent.KindOneofCase.BuildFailed => new BuildOutcome(server, elapsed, buildId, null, last.BuildFailed.Error),
                BuildEvent.KindOneofCase.BuildCancelled => new BuildOutcome(server, elapsed, buildId, null, $"cancelled: {last.BuildCancelled.Reason}"),
                _ => new BuildOutcome(server, elapsed, buildId, null, "the farm ended the build's event stream without a result"),
            }) with { StepRuns = steps.Runs, Upload = uploaded };
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await CancelQuietlyAsync(farm, buildId).ConfigureAwait(false);
            return new BuildOutcome(server, Stopwatch.GetElapsedTime(started), buildId, null, $"did not end within {timeout.TotalSeconds:0} s");
        }
        catch (RpcException e)
        {
            return new BuildOutcome(server, Stopwatch.GetElapsedTime(started), buildId, null, $"{e.StatusCode}: {e.Status.Detail}");
        }
        catch (IOException e)
        {
            return new BuildOutcome(server, Stopwatch.GetElapsedTime(started), buildId, null, e.Message);
        }
    }

    // A build that outlived its time is stopped, so it does not load the farm after the run; the
    // farm may be what hangs, so this gets a few seconds and its failure changes nothing.
    private static async Task CancelQuietlyAsync(FarmClient farm, string buildId)
    {
        if (buildId.Length == 0)
        {
            return;
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await farm.CancelAsync(buildId, limit.Token).ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>Pairs each step's queued, started and finished events into <see cref="StepRunTimes"/>.</summary>
internal sealed class StepRunRecorder
{
    private readonly Dictionary<string, DateTimeOffset> _queued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Silo, DateTimeOffset Time)> _started = new(StringComparer.Ordinal);
    private readonly List<StepRunTimes> _runs = [];

    public IReadOnlyList<StepRunTimes> Runs => _runs;

    public void Add(BuildEvent buildEvent)
    {
        var time = buildEvent.Time.ToDateTimeOffset();
        switch (buildEvent.KindCase)
        {
            case BuildEvent.KindOneofCase.StepQueued:
                _queued[buildEvent.StepQueued.Step.Id] = time;
                break;
            case BuildEvent.KindOneofCase.StepStarted:
                _started[buildEvent.StepStarted.Step.Id] = (buildEvent.StepStarted.Silo, time);
                break;
            case BuildEvent.KindOneofCase.StepFinished when _started.TryGetValue(buildEvent.StepFinished.Step.Id, out var start):
                var step = buildEvent.StepFinished.Step;
                _runs.Add(new StepRunTimes(step.Name, start.Silo, _queued.GetValueOrDefault(step.Id, start.Time), start.Time, time, buildEvent.StepFinished.Duration.ToTimeSpan()));
                break;
        }
    }
}
