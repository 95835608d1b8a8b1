namespace BuildFarm.Storage.Pruning;

/// <summary>
/// Keeps pruning and the work that relies on stored data (builds, exports) apart: any number of
/// works hold the gate together; a prune waits until none does and holds it alone, and work that
/// comes while a prune waits or runs waits until it ends.
/// </summary>
/// <remarks>
/// Why a gate rather than leases alone: a build leases the blobs it writes, but it also reads
/// what it never writes — the context it was sent, recorded step layers it reuses, base image
/// layers and their unpacked snapshots (mounted as overlay lower dirs) — and it would have to
/// lease each of them before the check that finds it stored. Pruning is rare and short; holding
/// builds for its duration is the simple way to never pull anything from under one.
/// Prunes take turns; a waiting prune is served before new work, so steady work cannot starve it.
/// </remarks>
public sealed class PruneGate
{
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _prunes = new(1, 1);
    private int _works;
    private bool _pruning;
    private TaskCompletionSource _drained = NewSignal();
    private TaskCompletionSource _pruneEnded = NewSignal();

    /// <summary>Raised when a prune starts waiting for running work to end; lets tests wait without sleeping.</summary>
    public event Action? PruneWaiting;

    /// <summary>Raised when work starts waiting for a prune to end; lets tests wait without sleeping.</summary>
    public event Action? WorkWaiting;

    /// <summary>Works holding the gate now.</summary>
    public int RunningWorks
    {
        get
        {
            lock (_sync)
            {
                return _works;
            }
        }
    }

    /// <summary>Holds the gate for work that reads or writes stored data; waits while a prune waits or runs.</summary>
    public async ValueTask<IDisposable> EnterWorkAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task pruneEnded;
            lock (_sync)
            {
                if (!_pruning)
                {
                    _works++;
                    return new Hold(ExitWork);
                }

                pruneEnded = _pruneEnded.Task;
            }

            WorkWaiting?.Invoke();
            await pruneEnded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Holds the gate alone: waits for running work to end; work that comes meanwhile waits for the prune.</summary>
    public async ValueTask<IDisposable> EnterPruneAsync(CancellationToken cancellationToken = default)
    {
        await _prunes.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task drained;
        bool waiting;
        lock (_sync)
        {
            _pruning = true;
            _pruneEnded = NewSignal();
            _drained = NewSignal();
            waiting = _works > 0;
            if (!waiting)
            {
                _drained.SetResult();
            }

            drained = _drained.Task;
        }

        if (waiting)
        {
            PruneWaiting?.Invoke();
        }

        try
        {
            await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ExitPrune();
            throw;
        }

        return new Hold(ExitPrune);
    }

    private void ExitWork()
    {
        lock (_sync)
        {
            _works--;
            if (_works == 0 && _pruning)
            {
                _drained.TrySetResult();
            }
        }
    }

    private void ExitPrune()
    {
        TaskCompletionSource ended;
        lock (_sync)
        {
            _pruning = false;
            ended = _pruneEnded;
        }

        ended.SetResult();
        _prunes.Release();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Hold(Action exit) : IDisposable
    {
        private int _exited;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _exited, 1) == 0)
            {
                exit();
            }
        }
    }
}
