using BuildFarm.Execution.Building;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Pruning;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Grains.Metrics;
using BuildFarm.Oci;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Pruning;
using BuildFarm.Storage.Trees;
using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Orleans.Runtime;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// Runs one build on the silo it lives on and keeps its event log. The build runs in the
/// background of the activation; callers read its events a page at a time.
/// </summary>
/// <remarks>
/// It lives on the silo whose API the client submitted through, which is where the client
/// uploaded the context: that silo coordinates the build, and the silos that run its steps fetch
/// the context files they need from it.
/// </remarks>
[PreferLocalPlacement]
public sealed partial class BuildGrain(
    [PersistentState("build", GrainStorage.Name)] IPersistentState<BuildGrainState> state,
    BuildEngine engine,
    ContentStore content,
    RegistryClient registry,
    FarmMetrics metrics,
    PruneGate gate,
    TimeProvider time,
    ILogger<BuildGrain> logger) : Grain, IBuildGrain
{
    // Events are appended from the engine's threads; readers wait for the next one.
    private readonly Lock _gate = new();
    private List<BuildEventRecord> _events = [];
    private BuildProgress _progress = new();
    private TaskCompletionSource _appended = NewSignal();
    private CancellationTokenSource? _cancel;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _events = [.. state.State.Events];
        _progress = BuildProgress.Of(_events);
        if (state.State.State == BuildState.Running)
        {
            // Persisted as running but no activation runs it: the server stopped during the build.
            await FinishAsync(BuildState.Failed, "the server stopped while the build was running", null);
        }
    }

    public async Task<BuildSummary> StartAsync(BuildSpec spec, BuildSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(secrets);
        if (state.State.Spec is not null)
        {
            return Summary();
        }

        state.State.Spec = spec;
        state.State.State = BuildState.Running;
        state.State.CreatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IBuildIndexGrain>(0).AddAsync(Id);

        _cancel = new CancellationTokenSource();
        DelayDeactivation(TimeSpan.FromDays(1));
        // The secrets go to the run alone: the state written above holds the spec, never them.
        _ = RunAsync(spec, secrets, _cancel.Token);
        return Summary();
    }

    public async Task<BuildEventPage> ReadEventsAsync(long afterSequence, TimeSpan maxWait)
    {
        Task appended;
        lock (_gate)
        {
            if (Page(afterSequence) is { } page)
            {
                return page;
            }

            appended = _appended.Task;
        }

        try
        {
            await appended.WaitAsync(maxWait);
        }
        catch (TimeoutException)
        {
        }

        lock (_gate)
        {
            return Page(afterSequence) ?? new BuildEventPage([], false, Summary());
        }
    }

    public async Task<BuildSummary> CancelAsync()
    {
        if (_cancel is { } cancel)
        {
            await cancel.CancelAsync();
        }

        return Summary();
    }

    public Task<BuildSummary> GetAsync() => Task.FromResult(Summary());

    // The whole build holds the prune gate: from its context, through the blobs and snapshots its
    // steps read, to the names it sets and the push; a prune waits for it and later builds wait
    // for the prune. Its context is leased before it waits, so a prune it waits for keeps it.
    private async Task RunAsync(BuildSpec spec, BuildSecrets secrets, CancellationToken cancellationToken)
    {
        var contextLease = "context-" + Id;
        content.Leases.Create(contextLease);
        try
        {
            IDisposable hold;
            try
            {
                await ContextTree.LeaseAsync(Digest.Parse(spec.ContextDigest), content, contextLease, cancellationToken);
                hold = await gate.EnterWorkAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await FinishAsync(BuildState.Cancelled, "cancelled", null);
                return;
            }
            catch (Exception e)
            {
                LogBuildFailed(logger, Id, e.Message);
                await FinishAsync(BuildState.Failed, e.Message, null);
                return;
            }

            using (hold)
            {
                await RunHeldAsync(spec, secrets, cancellationToken);
            }
        }
        finally
        {
            content.Leases.Delete(contextLease);
        }
    }

    private async Task RunHeldAsync(BuildSpec spec, BuildSecrets secrets, CancellationToken cancellationToken)
    {
        SshKeyAgents? agents = null;
        try
        {
            if (secrets.SshKeys.Count > 0)
            {
                agents = await SshKeyAgents.StartAsync(secrets.SshKeys, Path.Combine(content.DataDirectory, ScratchDirectories.Agents), cancellationToken);
            }

            // The engine reads the context from the tree the client sent: no file of it is written
            // out, and only the files of steps that run are read.
            var result = await engine.BuildAsync(
                spec.ToBuildRequest() with
                {
                    // The same values whichever silo runs a step: a worker elsewhere gets them in memory.
                    Secrets = secrets.Values.Count > 0 ? new BuildSessionSecrets(secrets, agents) : null,
                    SshAgents = agents is null ? null : new BuildSessionSecrets(secrets, agents),
                },
                (buildEvent, _) =>
                {
                    Measure(buildEvent);
                    Append(BuildEvents.ToRecord(buildEvent));
                    return ValueTask.CompletedTask;
                },
                cancellationToken);

            foreach (var tag in spec.Tags)
            {
                content.Images.Set(tag, result.Manifest);
            }

            if (spec.Push)
            {
                await PushAsync(result, spec.Tags, cancellationToken);
            }

            await FinishAsync(BuildState.Succeeded, null, BuildEvents.ToOutput(result));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await FinishAsync(BuildState.Cancelled, "cancelled", null);
        }
        catch (Exception e)
        {
            LogBuildFailed(logger, Id, e.Message);
            await FinishAsync(BuildState.Failed, e.Message, null);
        }
        finally
        {
            if (agents is not null)
            {
                await agents.DisposeAsync();
            }
        }
    }

    // Each repository gets the image once, under all of its tags; blobs it has already are skipped.
    private async Task PushAsync(BuildResult result, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var pusher = new ImagePusher(registry);
        var blobs = new ContentStoreBlobs(content);
        foreach (var repository in tags.Select(ImageReference.Parse).GroupBy(reference => reference.Repository))
        {
            var pushed = await pusher.PushAsync(repository.Key, result.Manifest, blobs, [.. repository.Select(r => r.Tag!)], cancellationToken: cancellationToken);
            Append(new BuildEventRecord
            {
                Sequence = 0,
                Timestamp = time.GetUtcNow(),
                Kind = BuildEventKind.Log,
                Name = "pushing",
                Text = $"pushed {repository.Key} ({string.Join(", ", repository.Select(r => r.Tag))}): {pushed.Blobs.Count(b => b.Outcome == BlobPushOutcome.AlreadyExists)} of {pushed.Blobs.Count} blobs were there already",
            });
        }
    }

    private void Measure(BuildEvent buildEvent)
    {
        switch (buildEvent)
        {
            case StepFinished finished:
                metrics.StepEnded(finished.Result.Outcome, finished.Result.Duration);
                break;
            case StepFailed:
                metrics.StepFailed();
                break;
        }
    }

    private async Task FinishAsync(BuildState outcome, string? error, BuildOutput? output)
    {
        state.State.State = outcome;
        state.State.Error = error;
        state.State.Output = output;
        state.State.FinishedAt = time.GetUtcNow();
        // Counted before the outcome is published: whoever saw the build end finds it in /metrics.
        metrics.BuildEnded(outcome.ToString().ToLowerInvariant(), state.State.FinishedAt.Value - (state.State.CreatedAt ?? state.State.FinishedAt.Value));
        Append(new BuildEventRecord
        {
            Sequence = 0,
            Timestamp = state.State.FinishedAt.Value,
            Kind = outcome switch
            {
                BuildState.Succeeded => BuildEventKind.BuildFinished,
                BuildState.Cancelled => BuildEventKind.BuildCancelled,
                _ => BuildEventKind.BuildFailed,
            },
            Text = error,
        });
        lock (_gate)
        {
            state.State.Events = [.. _events];
        }

        await state.WriteStateAsync();
        DelayDeactivation(TimeSpan.Zero);
    }

    private void Append(BuildEventRecord record)
    {
        lock (_gate)
        {
            var numbered = record with { Sequence = _events.Count + 1 };
            _events.Add(numbered);
            _progress.Add(numbered);
            var appended = _appended;
            _appended = NewSignal();
            appended.SetResult();
        }
    }

    // Called under the gate. Null when there is nothing to read yet and the build goes on.
    private BuildEventPage? Page(long afterSequence)
    {
        var events = _events.Skip((int)Math.Min(afterSequence, _events.Count)).ToList();
        var ended = state.State.State != BuildState.Running;
        return events.Count > 0 || ended ? new BuildEventPage(events, ended, Summary()) : null;
    }

    private BuildSummary Summary() => new()
    {
        Id = Id,
        State = state.State.State,
        CreatedAt = state.State.CreatedAt,
        FinishedAt = state.State.FinishedAt,
        Error = state.State.Error,
        Output = state.State.Output,
        Target = state.State.Spec?.Target,
        Tags = state.State.Spec?.Tags ?? [],
        LastSequence = _events.Count,
        SubmittedRequest = state.State.Spec?.SubmittedRequest,
        StartedAt = _progress.StartedAt,
        StepsTotal = _progress.StepsTotal,
        StepsCompleted = _progress.StepsCompleted,
    };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {BuildId} failed: {Error}")]
    private static partial void LogBuildFailed(ILogger logger, string buildId, string error);
}
