using System.Collections.Concurrent;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Steps;
using BuildFarm.Grains.Steps;
using BuildFarm.Execution.Pruning;
using BuildFarm.Storage.Content;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Metrics;
using BuildFarm.Grains.Ssh;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// The steps this silo runs for builds coordinated on other silos, by run id. They live here
/// rather than in the worker's activation so that a run outlives nothing it should not: a run
/// whose coordinator stops asking about it (that silo died) is cancelled, and one whose result
/// nobody collects is forgotten.
/// </summary>
public sealed partial class LocalStepRuns(BuildEngine engine, ContentStore content, IGrainFactory grains, FarmMetrics metrics, TimeProvider time, ILogger<LocalStepRuns> logger)
{
    /// <summary>A coordinator asks at least every 10 s; three missed asks mean it is gone.</summary>
    public static readonly TimeSpan Unattended = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, LocalRun> _runs = new(StringComparer.Ordinal);

    /// <summary>Starts the step in the background and returns its run id.</summary>
    public string Start(StepOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var description = StepDescription.FromJson(order.Description);
        var id = Guid.NewGuid().ToString("N");
        var run = new LocalRun(time.GetUtcNow());
        _runs[id] = run;
        run.Task = Task.Run(() => RunAsync(id, description, order, run));
        _ = WatchAsync(id, run);
        LogStarted(logger, description.Key, order.Coordinator, order.Placement);
        return id;
    }

    /// <summary>Waits up to <paramref name="maxWait"/> for the run to end; reports an ended run once.</summary>
    public async Task<StepRunStatus> WaitAsync(string runId, TimeSpan maxWait)
    {
        if (!_runs.TryGetValue(runId, out var run))
        {
            return new StepRunStatus(StepRunState.Unknown, null, null);
        }

        run.LastAsked = time.GetUtcNow();
        try
        {
            await run.Task.WaitAsync(maxWait, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new StepRunStatus(StepRunState.Running, null, null);
        }
        catch
        {
            // Reported below from the task's state.
        }

        _runs.TryRemove(runId, out _);
        return run.Task.Status switch
        {
            TaskStatus.RanToCompletion => new StepRunStatus(StepRunState.Succeeded, GrainStepCache.ToRecord(run.Task.Result), null),
            TaskStatus.Canceled => new StepRunStatus(StepRunState.Cancelled, null, null),
            _ => run.Task.Exception!.InnerException is OperationCanceledException
                ? new StepRunStatus(StepRunState.Cancelled, null, null)
                : Failed(run.Task.Exception!.InnerException!),
        };
    }

    // The error as the coordinator reports it, with the process's exit code and last lines when one ran.
    private static StepRunStatus Failed(Exception error)
    {
        var process = StepFailure.Of(default, string.Empty, error);
        return new StepRunStatus(StepRunState.Failed, null, error.Message) { ExitCode = process.ExitCode, LastLines = process.LastLines };
    }

    public async Task CancelAsync(string runId)
    {
        if (_runs.TryGetValue(runId, out var run))
        {
            await run.Cancellation.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task<CachedStep> RunAsync(string id, StepDescription description, StepOrder order, LocalRun run)
    {
        var lease = "step-" + id;
        content.Leases.Create(lease);
        SshKeyAgents? agents = null;
        try
        {
            if (order.Secrets.SshKeys.Count > 0)
            {
                agents = await SshKeyAgents.StartAsync(order.Secrets.SshKeys, Path.Combine(content.DataDirectory, ScratchDirectories.Agents), run.Cancellation.Token).ConfigureAwait(false);
            }

            // Calls to the coordinator's observer end with the run: an observer the coordinator has
            // dropped (it gave the step to another silo, or gave up on it) never answers, and the
            // caller would otherwise hold its slot until Orleans' response timeout.
            var observer = order.Observer;
            var cancelled = run.Cancellation.Token;
            var session = new StepSession
            {
                Secrets = order.Secrets.Values.Count > 0 ? new SecretValues(order.Secrets.Values) : null,
                SshAgents = ForwardedSshAgents.For(grains, order.Secrets) is { } forwarded ? new BuildSessionSecrets(order.Secrets, agents, forwarded) : agents,
                Output = (line, _) => new ValueTask(observer.OutputAsync([new StepOutputLine(line.Timestamp, line.Stream == OutputStreamKind.Stderr, line.Text)]).WaitAsync(cancelled)),
                Started = async silo =>
                {
                    // A step waiting on several silos runs on the first to start it; here it may come too late.
                    if (!await observer.StartedAsync(silo).WaitAsync(cancelled).ConfigureAwait(false))
                    {
                        throw new StepNotTakenException(silo);
                    }

                    metrics.StepPlaced(order.Placement);
                },
                LeaseId = lease,
                BlobOrigin = order.Coordinator,
            };
            return await engine.RunAsync(description, session, run.Cancellation.Token).ConfigureAwait(false);
        }
        finally
        {
            if (agents is not null)
            {
                await agents.DisposeAsync().ConfigureAwait(false);
            }

            // The layer is the coordinator's to replicate and record from here on.
            content.Leases.Delete(lease);
        }
    }

    // Cancels a run nobody asks about any more, and forgets an ended one nobody collected.
    private async Task WatchAsync(string id, LocalRun run)
    {
        while (_runs.ContainsKey(id))
        {
            await Task.Delay(Unattended / 3, time).ConfigureAwait(false);
            if (time.GetUtcNow() - run.LastAsked < Unattended)
            {
                continue;
            }

            if (run.Task.IsCompleted)
            {
                _runs.TryRemove(id, out _);
                return;
            }

            LogUnattended(logger, id, Unattended);
            await run.Cancellation.CancelAsync().ConfigureAwait(false);
        }
    }

    private sealed class LocalRun(DateTimeOffset started)
    {
        public Task<CachedStep> Task { get; set; } = null!;

        public CancellationTokenSource Cancellation { get; } = new();

        public DateTimeOffset LastAsked { get; set; } = started;
    }
}
