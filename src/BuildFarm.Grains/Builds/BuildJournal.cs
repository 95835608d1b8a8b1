using Orleans.Core;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// A build's events, numbered from 1 as they are appended (from the engine's threads), and
/// written to journal pages (<see cref="BuildJournalPage"/>, states of the build grain) by one
/// writer on the grain's scheduler as they come. Memory holds the events of the open page only;
/// readers of older events read sealed pages from storage.
/// </summary>
internal sealed class BuildJournal
{
    private readonly Lock _gate = new();
    private readonly Func<long, IStorage<BuildJournalPage>> _pages;
    private readonly int _perPage;
    private readonly TimeProvider _time;

    // A page write that fails this often (1 + 2 + 3 + 4 s apart) fails the journal, and its build.
    private const int WriteAttempts = 5;

    // Events after _memoryStart, the first of them on the open page.
    private readonly List<BuildEventRecord> _memory;
    private long _memoryStart;
    private long _persisted;
    private BuildProgressSnapshot _persistedProgress;
    private readonly BuildProgress _progress;
    private TaskCompletionSource _appended = NewSignal();
    private bool _closed;

    private IStorage<BuildJournalPage>? _open;

    private BuildJournal(Func<long, IStorage<BuildJournalPage>> pages, TimeProvider time, int perPage, long memoryStart, IReadOnlyList<BuildEventRecord> persisted, BuildProgressSnapshot progress)
    {
        _pages = pages;
        _time = time;
        _perPage = perPage;
        _memoryStart = memoryStart;
        _memory = [.. persisted];
        _persisted = memoryStart + persisted.Count;
        _persistedProgress = progress;
        _progress = BuildProgress.Of([], progress);
    }

    /// <summary>Events per page, fixed when the build started.</summary>
    public int EventsPerPage => _perPage;

    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _memoryStart + _memory.Count;
            }
        }
    }

    /// <summary>How many pages are full and written: the pages the open one follows.</summary>
    public long SealedPages
    {
        get
        {
            lock (_gate)
            {
                return _persisted / _perPage;
            }
        }
    }

    public BuildProgressSnapshot Progress
    {
        get
        {
            lock (_gate)
            {
                return _progress.Snapshot();
            }
        }
    }

    /// <summary>Completes when an event is appended after this call, or the journal is closed.</summary>
    public Task Appended
    {
        get
        {
            lock (_gate)
            {
                return _appended.Task;
            }
        }
    }

    /// <summary>A new build's empty journal.</summary>
    public static BuildJournal Start(Func<long, IStorage<BuildJournalPage>> pages, TimeProvider time, int eventsPerPage) =>
        new(pages, time, eventsPerPage, 0, [], BuildProgressSnapshot.None);

    /// <summary>A journal whose events are all in memory and persisted elsewhere: a build recorded before journals, with its events in its state.</summary>
    public static BuildJournal FromEvents(Func<long, IStorage<BuildJournalPage>> pages, TimeProvider time, IReadOnlyList<BuildEventRecord> events) =>
        new(pages, time, int.MaxValue, 0, events, BuildProgress.Of(events).Snapshot());

    /// <summary>
    /// The journal of a build whose pages before <paramref name="sealedPages"/> are full: reads
    /// the open page, and the next one when a writer filled it before it could record the seal.
    /// </summary>
    public static async Task<BuildJournal> OpenAsync(Func<long, IStorage<BuildJournalPage>> pages, TimeProvider time, int eventsPerPage, long sealedPages)
    {
        var pageNumber = sealedPages;
        var open = await ReadPageAsync(pages, pageNumber);
        var progress = open.State.Progress;
        while (open.State.Events.Count == eventsPerPage)
        {
            pageNumber++;
            open = await ReadPageAsync(pages, pageNumber);
            progress = open.State.Events.Count > 0 ? open.State.Progress : progress;
        }

        // The open page is empty and follows full ones: the build's progress is where they left it.
        if (open.State.Events.Count == 0 && pageNumber == sealedPages && pageNumber > 0)
        {
            progress = (await ReadPageAsync(pages, pageNumber - 1)).State.Progress;
        }

        var journal = new BuildJournal(pages, time, eventsPerPage, pageNumber * eventsPerPage, open.State.Events, progress);
        journal._open = open;
        return journal;
    }

    /// <summary>
    /// Numbers <paramref name="record"/> as the next event and keeps it; thread-safe. Null once the
    /// journal is closed: a stage still winding down after the build ended has nothing to add.
    /// </summary>
    public BuildEventRecord? Append(BuildEventRecord record)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return null;
            }

            var numbered = record with { Sequence = _memoryStart + _memory.Count + 1 };
            _memory.Add(numbered);
            _progress.Add(numbered);
            Signal();
            return numbered;
        }
    }

    /// <summary>No event follows: the writer stops once every event is written.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Signal();
        }
    }

    /// <summary>
    /// The events after <paramref name="afterSequence"/> up to the end of their page: from memory
    /// for the open page, else from the sealed page that holds them.
    /// </summary>
    public async Task<IReadOnlyList<BuildEventRecord>> ReadAsync(long afterSequence)
    {
        lock (_gate)
        {
            if (afterSequence >= _memoryStart)
            {
                return [.. _memory.Skip((int)Math.Min(afterSequence - _memoryStart, _memory.Count))];
            }
        }

        var page = await ReadPageAsync(_pages, afterSequence / _perPage);
        return [.. page.State.Events.Where(e => e.Sequence > afterSequence)];
    }

    /// <summary>
    /// Writes events to their pages as they are appended, until the journal is closed and all are
    /// written. <paramref name="sealedAsync"/> runs after each page is filled, to record how many are.
    /// </summary>
    /// <paramref name="failed"/> hears of each write that failed and will be tried again (a storage restart).
    public async Task WriteAsync(Func<long, Task> sealedAsync, Action<Exception, int> failed)
    {
        while (true)
        {
            Task appended;
            List<BuildEventRecord> batch;
            long pageNumber;
            lock (_gate)
            {
                pageNumber = _persisted / _perPage;
                var pageEnd = (pageNumber + 1) * _perPage;
                batch = [.. _memory.Where(e => e.Sequence > _persisted && e.Sequence <= pageEnd)];
                if (batch.Count == 0 && _closed)
                {
                    return;
                }

                appended = _appended.Task;
            }

            if (batch.Count == 0)
            {
                await appended;
                continue;
            }

            var progress = BuildProgress.Of(batch, _persistedProgress).Snapshot();
            await AppendWithRetriesAsync(pageNumber, batch, progress, failed);
            bool sealedPage;
            lock (_gate)
            {
                _persisted = batch[^1].Sequence;
                _persistedProgress = progress;
                sealedPage = _persisted % _perPage == 0;
                if (sealedPage)
                {
                    // Readers of the sealed page read it from its grain from now on.
                    _memory.RemoveRange(0, (int)(_persisted - _memoryStart));
                    _memoryStart = _persisted;
                }
            }

            if (sealedPage)
            {
                await sealedAsync(pageNumber + 1);
            }
        }
    }

    private async Task AppendWithRetriesAsync(long pageNumber, List<BuildEventRecord> batch, BuildProgressSnapshot progress, Action<Exception, int> failed)
    {
        if (_open is null || _open.State.Events.Count == _perPage)
        {
            // A new page: nothing is stored under it yet.
            _open = _pages(pageNumber);
            await _open.ReadStateAsync();
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AppendAsync(_open, batch, progress);
                return;
            }
            catch (Exception e) when (attempt < WriteAttempts)
            {
                failed(e, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), _time);

                // The write may have landed before it failed (a timeout): start again from what is stored.
                await _open.ReadStateAsync();
            }
        }
    }

    // Skips events the page holds already; leaves the page as it was if the write fails.
    private static async Task AppendAsync(IStorage<BuildJournalPage> page, List<BuildEventRecord> batch, BuildProgressSnapshot progress)
    {
        var held = page.State.Events;
        var last = held.Count > 0 ? held[^1].Sequence : (long?)null;
        var fresh = batch.Where(e => last is null || e.Sequence > last).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        var before = page.State.Progress;
        held.AddRange(fresh);
        page.State.Progress = progress;
        try
        {
            await page.WriteStateAsync();
        }
        catch
        {
            held.RemoveRange(held.Count - fresh.Count, fresh.Count);
            page.State.Progress = before;
            throw;
        }
    }

    private static async Task<IStorage<BuildJournalPage>> ReadPageAsync(Func<long, IStorage<BuildJournalPage>> pages, long pageNumber)
    {
        var page = pages(pageNumber);
        await page.ReadStateAsync();
        return page;
    }

    // Called under the gate.
    private void Signal()
    {
        var appended = _appended;
        _appended = NewSignal();
        appended.SetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
