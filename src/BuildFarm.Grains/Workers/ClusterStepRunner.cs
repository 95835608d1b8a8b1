using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Steps;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Metrics;
using BuildFarm.Grains.Steps;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// The farm's step runner: places each step that must run on a silo (<see cref="StepPlacement"/>),
/// runs it there — with this silo's engine, or through that silo's <see cref="IWorkerGrain"/>,
/// started and then waited for a bounded slice at a time, its events coming back through an
/// <see cref="IStepObserver"/> — then has its layer replicated before the result is handed back to
/// be recorded. A step placed on every silo at once waits in each one's queue and runs on the
/// first to start it (<see cref="FirstFreeSlot"/>); the others are cancelled. A step whose silo is
/// lost (it died, or stopped answering) is placed again elsewhere.
/// </summary>
public sealed partial class ClusterStepRunner(
    BuildEngine engine,
    IGrainFactory grains,
    StepPlacement placement,
    LayerReplication replication,
    FarmMetrics metrics,
    ClusterSilos silos,
    ILogger<ClusterStepRunner> logger) : IStepRunner
{
    private readonly string _self = silos.Self;

    // Below Orleans' 30 s response timeout, so no call is held open past it.
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(10);

    public async Task<CachedStep> RunAsync(StepDescription step, StepSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(session);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            CachedStep result;
            using (var placed = Portable(step, session) is null
                ? new PlacedStep(placement, [_self], PlacementReason.Locality)
                : await placement.PlaceAsync(step, excluded, cancellationToken).ConfigureAwait(false))
            {
                LogPlaced(logger, step.Key, string.Join(", ", placed.Silos), placed.Reason);
                try
                {
                    result = placed.Silos.Count > 1
                        ? await RunOnFirstFreeSlotAsync(placed, step, session, cancellationToken).ConfigureAwait(false)
                        : await RunOnAsync(placed.Silo, placed.Reason, step, session, slot: null, cancellationToken).ConfigureAwait(false);
                }
                catch (WorkerLostException e)
                {
                    LogPlacedAgain(logger, step.Key, e.Silo, e);
                    excluded.Add(e.Silo);
                    continue;
                }
            }

            await replication.ReplicateAsync(result, cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    /// <summary>
    /// What a worker on another silo gets of the session's secrets; null when the step cannot run
    /// elsewhere: its context is a directory on this silo's disk, or its secrets come from a source
    /// that cannot be handed over.
    /// </summary>
    private static BuildSecrets? Portable(StepDescription step, StepSession session)
    {
        if (step.Build.ContextDirectory is not null
            || session.Secrets is not (null or BuildSessionSecrets)
            || session.SshAgents is not (null or BuildSessionSecrets))
        {
            return null;
        }

        return (session.Secrets as BuildSessionSecrets ?? session.SshAgents as BuildSessionSecrets)?.Secrets ?? BuildSecrets.None;
    }

    // Waits for a slot on every silo of the placement; the first to start the step runs it, and
    // the others' runs are cancelled, so that their slots go to the steps queued behind.
    private async Task<CachedStep> RunOnFirstFreeSlotAsync(PlacedStep placed, StepDescription step, StepSession session, CancellationToken cancellationToken)
    {
        var slot = new FirstFreeSlot();
        var waits = placed.Silos.ToDictionary(silo => silo, _ => CancellationTokenSource.CreateLinkedTokenSource(cancellationToken), StringComparer.Ordinal);
        try
        {
            var runs = placed.Silos.ToDictionary(silo => silo, silo => RunOnAsync(silo, placed.Reason, step, session, slot, waits[silo].Token), StringComparer.Ordinal);
            var everyRunEnded = Task.WhenAll(runs.Values);
            await Task.WhenAny(slot.Winner, everyRunEnded).ConfigureAwait(false);
            if (!slot.Winner.IsCompleted)
            {
                // Every silo failed or was lost before one started the step: the first reason is the step's.
                await everyRunEnded.ConfigureAwait(false);
            }

            var winner = await slot.Winner.ConfigureAwait(false);
            foreach (var (silo, run) in runs.Where(run => run.Key != winner))
            {
                await waits[silo].CancelAsync().ConfigureAwait(false);
                placed.Release(silo);
                _ = run.ContinueWith(static ended => ended.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            return await runs[winner].ConfigureAwait(false);
        }
        finally
        {
            foreach (var wait in waits.Values)
            {
                wait.Dispose();
            }
        }
    }

    // On this silo with its engine, or on another through its worker. With a slot to take, the
    // run goes ahead only if this silo is the first to start the step.
    private Task<CachedStep> RunOnAsync(string silo, PlacementReason reason, StepDescription step, StepSession session, FirstFreeSlot? slot, CancellationToken cancellationToken)
    {
        if (silo != _self)
        {
            return RunThereAsync(silo, reason, step, session, slot, cancellationToken);
        }

        if (slot is null)
        {
            metrics.StepPlaced(reason);
            return engine.RunAsync(step, session, cancellationToken);
        }

        // As a worker does for a step from another silo (LocalStepRuns), with the observer in hand.
        var observer = new StepObserver(session, slot);
        return engine.RunAsync(step, session with
        {
            Started = async started =>
            {
                if (!await observer.StartedAsync(started).ConfigureAwait(false))
                {
                    throw new StepNotTakenException(started);
                }

                metrics.StepPlaced(reason);
            },
        }, cancellationToken);
    }

    private async Task<CachedStep> RunThereAsync(string silo, PlacementReason reason, StepDescription step, StepSession session, FirstFreeSlot? slot, CancellationToken cancellationToken)
    {
        var observer = new StepObserver(session, slot);
        var reference = grains.CreateObjectReference<IStepObserver>(observer);
        try
        {
            var worker = grains.GetGrain<IWorkerGrain>(silo);

            // Not abandoned when cancelled: a run started unknown to this silo would wait for a
            // slot there until its watch gave up on it.
            var runId = await worker.StartStepAsync(new StepOrder
            {
                Description = step.ToJson(),
                Coordinator = _self,
                Observer = reference,
                Secrets = Portable(step, session)!,
                Placement = reason,
            }).ConfigureAwait(false);
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                while (true)
                {
                    var status = await worker.WaitStepAsync(runId, WaitSlice).WaitAsync(cancellationToken).ConfigureAwait(false);
                    switch (status.State)
                    {
                        case StepRunState.Succeeded:
                            return GrainStepCache.ToCached(status.Result!);
                        case StepRunState.Failed:
                            throw new RemoteStepFailedException(silo, status.Error!, status.ExitCode, status.LastLines);
                        case StepRunState.Cancelled:
                            throw new OperationCanceledException($"Step {step.Key} was cancelled on {silo}.");
                        case StepRunState.Unknown:
                            throw new WorkerLostException(silo, step.Key.ToString());
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The build gave up on the step, or another silo runs it: stop it there too (the
                // worker also stops a run nobody asks about).
                _ = worker.CancelStepAsync(runId);
                throw;
            }
        }
        catch (Exception e) when (SiloLoss.IsSiloLost(e))
        {
            throw new WorkerLostException(silo, step.Key.ToString(), e);
        }
        finally
        {
            grains.DeleteObjectReference<IStepObserver>(reference);
            GC.KeepAlive(observer);
        }
    }
}

/// <summary>A step failed on the silo that ran it; the message is its error there.</summary>
public sealed class RemoteStepFailedException(string silo, string error, int? exitCode = null, IReadOnlyList<string>? lastLines = null)
    : StepFailedOnWorkerException(silo, error, exitCode, lastLines);

/// <summary>The silo running a step died, stopped answering or lost the run (it restarted): the step is placed again.</summary>
public sealed class WorkerLostException(string silo, string stepKey, Exception? inner = null)
    : Exception(inner is null ? $"The silo {silo} no longer knows its run of step {stepKey}." : $"The silo {silo} running step {stepKey} was lost: {inner.Message}", inner)
{
    public string Silo { get; } = silo;
}
