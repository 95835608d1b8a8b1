using BuildFarm.Execution.Building;
using BuildFarm.Execution.Pruning;
using BuildFarm.Grains.Images;
using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Metrics;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Pruning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Core;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Storage;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// Coordinates one build from the silo it lives on and keeps its journal. The build runs off the
/// grain's scheduler; its events are written to journal pages as they happen, a keep-alive timer
/// holds the activation while it runs, and callers read its events a page at a time.
/// </summary>
/// <remarks>
/// Placed on the silo the client submitted through: that silo holds the context the client
/// uploaded, and a build is started only by the gRPC service of the silo that received it.
/// </remarks>
[PreferLocalPlacement]
public sealed partial class BuildGrain(
    [PersistentState("build", GrainStorage.Name)] IPersistentState<BuildGrainState> state,
    BuildEngine engine,
    ContentStore content,
    IImageNames names,
    IBlobAvailability availability,
    RegistryClient registry,
    FarmMetrics metrics,
    PruneGate gate,
    ILocalSiloDetails silo,
    IOptions<BuildGrainOptions> options,
    TimeProvider time,
    ILogger<BuildGrain> logger) : Grain, IBuildGrain
{
    private BuildJournal _journal = null!;
    private CancellationTokenSource? _cancel;
    private Task? _run;
    private Task? _writer;
    private IGrainTimer? _keepAlive;

    // Set when the activation goes away while the build runs: the build fails for this reason.
    private string? _stopping;

    private string Id => this.GetPrimaryKeyString();

    private string SiloName => silo.SiloAddress.Endpoint.ToString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var record = state.State;
        if (record.Spec is null)
        {
            _journal = BuildJournal.Start(JournalPage, time, options.Value.EventsPerPage);
            return;
        }

        if (record.EventsPerPage == 0)
        {
            _journal = BuildJournal.FromEvents(JournalPage, time, record.Events);
        }
        else
        {
            _journal = await BuildJournal.OpenAsync(JournalPage, time, record.EventsPerPage, record.SealedPages);
        }

        if (record.State == BuildState.Running)
        {
            // Persisted as running, yet this is a new activation: the one that ran it is gone with its silo.
            using var scope = BeginBuildScope(logger, Id, record.Silo ?? SiloName);
            LogCoordinatorLost(logger, Id, record.Silo ?? "an unknown silo", _journal.LastSequence);
            _writer = _journal.WriteAsync(RecordSealedAsync, LogJournalWriteFailed);
            await FinishAsync(new BuildOutcome(BuildState.Failed, CoordinatorStopped(record.Silo), null, null));
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is { IsCompleted: false } run)
        {
            using var scope = BeginBuildScope(logger, Id, SiloName);
            LogDeactivatingWhileRunning(logger, Id, reason.ReasonCode, reason.Description);
            _stopping = reason.Description;
            await _cancel!.CancelAsync();
            try
            {
                // The run ends by recording the failure: its steps killed, its journal written.
                await run.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                LogNotRecordedBeforeDeactivation(logger, Id);
            }
        }

        _keepAlive?.Dispose();
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
        state.State.EventsPerPage = _journal.EventsPerPage;
        state.State.Silo = SiloName;
        await state.WriteStateAsync();
        // The index lives on one silo; when that silo has just died, the call is made again until the
        // cluster has voted it out and the index is activated elsewhere.
        var index = GrainFactory.GetGrain<IBuildIndexGrain>(0);
        var summary = Summary();
        state.State.IndexOrdinal = await SiloLoss.RetryAsync(() => index.AddAsync(summary), CancellationToken.None);
        await state.WriteStateAsync();

        _cancel = new CancellationTokenSource();
        _writer = _journal.WriteAsync(RecordSealedAsync, LogJournalWriteFailed);
        // Each tick counts as activity, so the activation outlives idle collection while the build runs.
        _keepAlive = this.RegisterGrainTimer(
            KeepAliveAsync,
            new GrainTimerCreationOptions(options.Value.KeepAlivePeriod, options.Value.KeepAlivePeriod) { KeepAlive = true, Interleave = true });
        // The secrets go to the run alone: the state written above holds the spec, never them.
        _run = RunAsync(spec, secrets, _cancel.Token);
        return Summary();
    }

    public async Task<BuildEventPage> ReadEventsAsync(long afterSequence, TimeSpan maxWait)
    {
        var appended = _journal.Appended;
        var events = await _journal.ReadAsync(afterSequence);
        if (events.Count == 0 && state.State.State == BuildState.Running)
        {
            try
            {
                await appended.WaitAsync(maxWait);
            }
            catch (TimeoutException)
            {
            }

            events = await _journal.ReadAsync(afterSequence);
        }

        var done = state.State.State != BuildState.Running && afterSequence + events.Count >= _journal.LastSequence;
        return new BuildEventPage(events, done, Summary());
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

    private IStorage<BuildJournalPage> JournalPage(long page) =>
        new StateStorageBridge<BuildJournalPage>(
            "build-journal-" + page.ToString(System.Globalization.CultureInfo.InvariantCulture),
            GrainContext,
            ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name));

    private async Task RecordSealedAsync(long sealedPages)
    {
        state.State.SealedPages = sealedPages;
        await state.WriteStateAsync();
    }

    private Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        if (_run is { IsCompleted: true })
        {
            _keepAlive?.Dispose();
        }

        return Task.CompletedTask;
    }

    // On the grain's scheduler: the build itself runs on the thread pool, so that no file the
    // store or the engine touches is read or written on a grain thread.
    private async Task RunAsync(BuildSpec spec, BuildSecrets secrets, CancellationToken cancellationToken)
    {
        using var scope = BeginBuildScope(logger, Id, SiloName);
        LogBuildStarted(logger, Id, spec.DockerfilePath, spec.Tags.Count);
        var execution = new BuildExecution(Id, engine, content, names, availability, registry, gate, GrainFactory, time);
        var outcome = await Task.Run(
            () => execution.RunAsync(spec, secrets, buildEvent =>
            {
                Observe(buildEvent);
                _journal.Append(BuildEvents.ToRecord(buildEvent));
            }, record => _journal.Append(record), cancellationToken),
            CancellationToken.None);
        // Stopped with its silo: whatever the run ended with (the cancellation, or a grain the
        // stopping silo no longer serves), the silo's stop is why.
        if (outcome.State != BuildState.Succeeded && _stopping is not null)
        {
            outcome = new BuildOutcome(BuildState.Failed, CoordinatorStopped(SiloName), null, null);
        }

        await FinishAsync(outcome);
    }

    // Metrics and the operator's log for each step event; called from the engine's threads.
    private void Observe(BuildEvent buildEvent)
    {
        switch (buildEvent)
        {
            case StepFinished finished:
                metrics.StepEnded(finished.Result.Outcome, finished.Result.Duration);
                break;
            case StepFailed failed:
                metrics.StepFailed();
                using (BeginStepScope(logger, failed.Step.ToString(), failed.Key?.ToString()))
                {
                    LogStepFailed(logger, Id, failed.Step.ToString(), failed.Failure.Location, failed.Failure.ExitCode, failed.Error);
                }

                break;
        }
    }

    private async Task FinishAsync(BuildOutcome outcome)
    {
        var record = state.State;
        var finishedAt = time.GetUtcNow();
        var duration = finishedAt - (record.CreatedAt ?? finishedAt);
        // Counted before the outcome is published: whoever saw the build end finds it in /metrics;
        // and listed as ended, likewise, in the index (with the end event, appended next). The
        // state changes only after that: readers of the journal take a state that is no longer
        // running for the end of the stream.
        metrics.BuildEnded(outcome.State.ToString().ToLowerInvariant(), duration);
        if (record.IndexOrdinal > 0)
        {
            try
            {
                var index = GrainFactory.GetGrain<IBuildIndexGrain>(0);
                var ended = Summary() with
                {
                    State = outcome.State,
                    Error = outcome.Error,
                    Output = outcome.Output,
                    FailedStep = outcome.FailedStep,
                    FinishedAt = finishedAt,
                    LastSequence = _journal.LastSequence + 1,
                };
                await SiloLoss.RetryAsync(() => index.UpdateAsync(record.IndexOrdinal, ended), CancellationToken.None);
            }
            catch (Exception e)
            {
                LogIndexNotUpdated(logger, e, Id);
            }
        }

        record.State = outcome.State;
        record.Error = outcome.Error;
        record.Output = outcome.Output;
        record.FailedStep = outcome.FailedStep;
        record.FinishedAt = finishedAt;
        _journal.Append(new BuildEventRecord
        {
            Sequence = 0,
            Timestamp = record.FinishedAt.Value,
            Kind = outcome.State switch
            {
                BuildState.Succeeded => BuildEventKind.BuildFinished,
                BuildState.Cancelled => BuildEventKind.BuildCancelled,
                _ => BuildEventKind.BuildFailed,
            },
            Step = outcome.FailedStep?.Step,
            Text = outcome.Error,
            Failure = outcome.FailedStep,
        });
        _journal.Close();
        try
        {
            await _writer!;
        }
        catch (Exception e)
        {
            LogJournalLost(logger, e, Id);
        }

        await state.WriteStateAsync();
        _keepAlive?.Dispose();
        switch (outcome.State)
        {
            case BuildState.Succeeded:
                LogBuildSucceeded(logger, Id, outcome.Output!.ManifestDigest, duration.TotalSeconds);
                break;
            case BuildState.Cancelled:
                LogBuildCancelled(logger, Id);
                break;
            default:
                LogBuildFailed(logger, outcome.Exception, Id, outcome.FailedStep?.Step, outcome.Error);
                break;
        }
    }

    private string CoordinatorStopped(string? coordinator) =>
        $"the silo coordinating build {Id} stopped while it was running (silo {coordinator ?? "unknown"})";

    private BuildSummary Summary()
    {
        var progress = _journal.Progress;
        return new BuildSummary
        {
            Id = Id,
            State = state.State.State,
            CreatedAt = state.State.CreatedAt,
            FinishedAt = state.State.FinishedAt,
            Error = state.State.Error,
            Output = state.State.Output,
            Target = state.State.Spec?.Target,
            Tags = state.State.Spec?.Tags ?? [],
            LastSequence = _journal.LastSequence,
            SubmittedRequest = state.State.Spec?.SubmittedRequest,
            StartedAt = progress.StartedAt,
            StepsTotal = progress.StepsTotal,
            StepsCompleted = progress.StepsCompleted,
            FailedStep = state.State.FailedStep,
        };
    }

}
