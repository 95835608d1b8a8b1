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
/// be recorded. A step whose silo is lost (it died, or stopped answering) is placed again elsewhere.
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
                ? new PlacedStep(placement, _self, PlacementReason.Locality)
                : await placement.PlaceAsync(step, excluded, cancellationToken).ConfigureAwait(false))
            {
                LogPlaced(logger, step.Key, placed.Silo, placed.Reason);
                try
                {
                    result = placed.Silo == _self
                        ? await RunHereAsync(step, session, placed.Reason, cancellationToken).ConfigureAwait(false)
                        : await RunThereAsync(placed, step, session, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (placed.Silo != _self && IsSiloLost(e))
                {
                    LogPlacedAgain(logger, step.Key, placed.Silo, e);
                    excluded.Add(placed.Silo);
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

    private Task<CachedStep> RunHereAsync(StepDescription step, StepSession session, PlacementReason reason, CancellationToken cancellationToken)
    {
        metrics.StepPlaced(reason);
        return engine.RunAsync(step, session, cancellationToken);
    }

    private async Task<CachedStep> RunThereAsync(PlacedStep placed, StepDescription step, StepSession session, CancellationToken cancellationToken)
    {
        var observer = new StepObserver(session);
        var reference = grains.CreateObjectReference<IStepObserver>(observer);
        try
        {
            var worker = grains.GetGrain<IWorkerGrain>(placed.Silo);
            var runId = await worker.StartStepAsync(new StepOrder
            {
                Description = step.ToJson(),
                Coordinator = _self,
                Observer = reference,
                Secrets = Portable(step, session)!,
                Placement = placed.Reason,
            }).WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (true)
                {
                    var status = await worker.WaitStepAsync(runId, WaitSlice).WaitAsync(cancellationToken).ConfigureAwait(false);
                    switch (status.State)
                    {
                        case StepRunState.Succeeded:
                            return GrainStepCache.ToCached(status.Result!);
                        case StepRunState.Failed:
                            throw new RemoteStepFailedException(placed.Silo, status.Error!);
                        case StepRunState.Cancelled:
                            throw new OperationCanceledException($"Step {step.Key} was cancelled on {placed.Silo}.");
                        case StepRunState.Unknown:
                            throw new WorkerLostException(placed.Silo, step.Key.ToString());
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The build gave up on the step: stop it there too (the worker also stops a run nobody asks about).
                _ = worker.CancelStepAsync(runId);
                throw;
            }
        }
        finally
        {
            grains.DeleteObjectReference<IStepObserver>(reference);
            GC.KeepAlive(observer);
        }
    }

    private static bool IsSiloLost(Exception e) => e is WorkerLostException || SiloLoss.IsSiloLost(e);
}

/// <summary>A step failed on the silo that ran it; the message is its error there.</summary>
public sealed class RemoteStepFailedException(string silo, string error) : Exception(error)
{
    public string Silo { get; } = silo;
}

/// <summary>The silo running a step lost it (it restarted): the step is placed again.</summary>
public sealed class WorkerLostException(string silo, string stepKey) : Exception($"The silo {silo} no longer knows its run of step {stepKey}.");
