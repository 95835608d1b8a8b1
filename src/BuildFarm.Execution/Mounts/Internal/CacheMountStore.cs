using System.Globalization;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Internal;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Execution.Mounts.Internal;

/// <summary>
/// The silo's <c>RUN --mount=type=cache</c> directories, <c>&lt;data-dir&gt;/cache-mounts/&lt;key&gt;/&lt;n&gt;</c>,
/// and who is using which. A key can have several instances because a step that may not share
/// the one in use gets another; all of them are kept and reused, as BuildKit keeps them.
/// </summary>
/// <remarks>
/// BuildKit's rules (solver/llbsolver/mounts): <c>shared</c> joins the instance other shared users
/// have, or takes a free one; <c>private</c> takes a free instance for itself; <c>locked</c> takes a
/// free one for itself or waits until one is released. Whoever finds no instance it may use (and
/// need not wait) gets a new one, seeded afresh.
/// <para>
/// The store is bounded: when a step gives an instance back and all of them together take more
/// than the bound, the least recently used instances no step is using are deleted until they fit
/// (BuildKit's garbage collection does the same to its cache mount records). When each was last
/// used is its directory's modification time, set when it is given back, so the order survives a
/// restart; the bytes are measured then too (a step changes only the instance it used).
/// </para>
/// </remarks>
internal sealed class CacheMountStore
{
    private const string StagingPrefix = ".new-";

    private readonly string _root;
    private readonly long _maxBytes;
    private readonly object _gate = new();
    private readonly Dictionary<string, CacheKey> _keys = new(StringComparer.Ordinal);

    // Every instance on disk by path, read at the first bound check; null until then and after a Clear.
    private Dictionary<string, InstanceUse>? _uses;

    /// <summary>Opens the store at start; what a crash left half-seeded or half-evicted is deleted.</summary>
    /// <param name="maxBytes">The bytes all instances together may take; 0 for no bound.</param>
    public CacheMountStore(string root, long maxBytes = 0)
    {
        _root = root;
        _maxBytes = maxBytes;
        Directory.CreateDirectory(root);
        foreach (var staging in Directory.EnumerateDirectories(root).SelectMany(static key => Directory.EnumerateDirectories(key, StagingPrefix + "*")))
        {
            ExecDirectories.Delete(staging);
        }
    }

    /// <summary>Raised with the key's directory name when a <c>locked</c> acquire starts waiting; lets tests wait without sleeping.</summary>
    internal event Action<string>? Waiting;

    /// <summary>
    /// An instance of the cache <paramref name="key"/> (a directory name, see <see cref="CacheMountKey"/>)
    /// to use with <paramref name="sharing"/>; a new one is filled by <paramref name="seed"/> first.
    /// </summary>
    public async Task<CacheMountLease> AcquireAsync(string key, CacheSharing sharing, Func<string, CancellationToken, Task> seed, CancellationToken cancellationToken)
    {
        while (true)
        {
            Instance? instance;
            Task released;
            var created = false;
            lock (_gate)
            {
                var state = Load(key);
                released = state.Released.Task;
                instance = Take(state, sharing);
                if (instance is null && (sharing != CacheSharing.Locked || state.Instances.Count == 0))
                {
                    instance = new Instance(Path.Combine(state.Directory, NextNumber(state)));
                    Claim(instance, sharing);
                    state.Instances.Add(instance);
                    created = true;
                }
            }

            if (instance is null)
            {
                Waiting?.Invoke(key);
                await released.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var lease = new CacheMountLease(this, key, instance);
            try
            {
                if (created)
                {
                    await CreateAsync(key, instance, seed, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await instance.Ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                lease.Dispose();
                throw;
            }

            return lease;
        }
    }

    /// <summary>Each cache (a key's directory, all its instances) with the bytes of its files.</summary>
    public IReadOnlyList<(string Key, long Bytes)> List() =>
        [.. Directory.EnumerateDirectories(_root).Select(static directory => (Path.GetFileName(directory), DiskSpace.Measure(directory)))];

    /// <summary>
    /// Deletes every cache no step uses now (<c>farm prune --all</c>); a cache in use is kept
    /// whole. The next step that mounts a deleted cache gets a fresh instance, seeded anew.
    /// </summary>
    public Amount Clear()
    {
        var removed = Amount.Zero;
        lock (_gate)
        {
            foreach (var directory in Directory.EnumerateDirectories(_root))
            {
                var key = Path.GetFileName(directory);
                if (_keys.TryGetValue(key, out var state))
                {
                    if (state.Instances.Any(static instance => instance.SharedUsers > 0 || instance.Exclusive))
                    {
                        continue;
                    }

                    // Forgotten too, so the next acquire reads the (now empty) directory afresh.
                    _keys.Remove(key);
                }

                removed += new Amount(1, DiskSpace.Measure(directory));
                ExecDirectories.Delete(directory);
            }

            _uses = null;
        }

        return removed;
    }

    internal void Release(string key, Instance instance)
    {
        TaskCompletionSource released;
        List<string> evicted;
        lock (_gate)
        {
            if (instance.SharedUsers > 0)
            {
                instance.SharedUsers--;
            }
            else
            {
                instance.Exclusive = false;
            }

            var state = _keys[key];
            released = state.Released;
            state.Released = NewSignal();
            evicted = _maxBytes > 0 ? EvictOverBound(key, instance) : [];
        }

        released.SetResult();
        foreach (var directory in evicted)
        {
            ExecDirectories.Delete(directory);
        }
    }

    /// <summary>
    /// Records the use of <paramref name="used"/> and moves the least recently used idle
    /// instances aside until all fit in the bound; returns where they went, to delete outside the lock.
    /// </summary>
    private List<string> EvictOverBound(string key, Instance used)
    {
        var uses = _uses ??= ReadUses();
        if (used.Ready.Task.IsCompletedSuccessfully) // else its seeding failed, and it never was
        {
            var now = DateTime.UtcNow;
            Directory.SetLastWriteTimeUtc(used.Path, now);
            uses[used.Path] = new InstanceUse(key, used.Path, DiskSpace.Measure(used.Path), now);
        }

        var total = uses.Values.Sum(static use => use.Bytes);
        var evicted = new List<string>();
        foreach (var use in uses.Values.OrderBy(static use => use.LastUsed).ThenBy(static use => use.Path, StringComparer.Ordinal).ToList())
        {
            if (total <= _maxBytes)
            {
                break;
            }

            var state = _keys.GetValueOrDefault(use.Key);
            var instance = state?.Instances.FirstOrDefault(instance => instance.Path == use.Path);
            if (instance is { SharedUsers: > 0 } or { Exclusive: true })
            {
                continue;
            }

            // Renamed aside at once, so that no acquire can take it; a crash leaves it to the next start.
            var aside = Path.Combine(Path.GetDirectoryName(use.Path)!, StagingPrefix + Guid.NewGuid().ToString("N"));
            Directory.Move(use.Path, aside);
            evicted.Add(aside);
            if (instance is not null)
            {
                state!.Instances.Remove(instance);
            }

            uses.Remove(use.Path);
            total -= use.Bytes;
        }

        return evicted;
    }

    private Dictionary<string, InstanceUse> ReadUses() =>
        Directory.EnumerateDirectories(_root)
            .SelectMany(static key => Directory.EnumerateDirectories(key)
                .Where(static path => int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                .Select(path => new InstanceUse(Path.GetFileName(key), path, DiskSpace.Measure(path), Directory.GetLastWriteTimeUtc(path))))
            .ToDictionary(static use => use.Path, StringComparer.Ordinal);

    private static Instance? Take(CacheKey state, CacheSharing sharing)
    {
        if (sharing == CacheSharing.Shared && state.Instances.FirstOrDefault(static i => i.SharedUsers > 0) is { } joined)
        {
            joined.SharedUsers++;
            return joined;
        }

        var free = state.Instances.FirstOrDefault(static i => i.SharedUsers == 0 && !i.Exclusive);
        if (free is not null)
        {
            Claim(free, sharing);
        }

        return free;
    }

    private static void Claim(Instance instance, CacheSharing sharing)
    {
        if (sharing == CacheSharing.Shared)
        {
            instance.SharedUsers = 1;
        }
        else
        {
            instance.Exclusive = true;
        }
    }

    private async Task CreateAsync(string key, Instance instance, Func<string, CancellationToken, Task> seed, CancellationToken cancellationToken)
    {
        // Seeded aside and renamed into place, so a crash never leaves a half-seeded instance to reuse.
        var staging = Path.Combine(Path.GetDirectoryName(instance.Path)!, StagingPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            await seed(staging, cancellationToken).ConfigureAwait(false);
            Directory.Move(staging, instance.Path);
            instance.Ready.SetResult();
        }
        catch (Exception e)
        {
            ExecDirectories.Delete(staging);
            lock (_gate)
            {
                _keys[key].Instances.Remove(instance);
            }

            instance.Ready.SetException(e);
            throw;
        }
    }

    /// <summary>The key's state, its instances read from disk on first use.</summary>
    private CacheKey Load(string key)
    {
        if (_keys.TryGetValue(key, out var state))
        {
            return state;
        }

        var directory = Path.Combine(_root, key);
        Directory.CreateDirectory(directory);
        state = new CacheKey(directory);
        foreach (var entry in Directory.EnumerateDirectories(directory))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                var instance = new Instance(entry);
                instance.Ready.SetResult();
                state.Instances.Add(instance);
            }
        }

        state.Instances.Sort(static (a, b) => Number(a).CompareTo(Number(b)));
        _keys.Add(key, state);
        return state;
    }

    private static string NextNumber(CacheKey state) =>
        (state.Instances.Count == 0 ? 0 : state.Instances.Max(Number) + 1).ToString(CultureInfo.InvariantCulture);

    private static int Number(Instance instance) => int.Parse(Path.GetFileName(instance.Path), CultureInfo.InvariantCulture);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class CacheKey(string directory)
    {
        public string Directory { get; } = directory;

        public List<Instance> Instances { get; } = [];

        /// <summary>Completed (and replaced) whenever an instance of the key is released.</summary>
        public TaskCompletionSource Released { get; set; } = NewSignal();
    }

    /// <summary>An instance's key, directory, bytes and when a step last gave it back.</summary>
    private sealed record InstanceUse(string Key, string Path, long Bytes, DateTime LastUsed);

    /// <summary>One directory of a cache and its current users.</summary>
    internal sealed class Instance(string path)
    {
        public string Path { get; } = path;

        public int SharedUsers { get; set; }

        public bool Exclusive { get; set; }

        /// <summary>Completes once the instance is seeded; faults when seeding failed.</summary>
        public TaskCompletionSource Ready { get; } = NewSignal();
    }
}

/// <summary>The use of one cache instance by one step, given back on dispose.</summary>
internal sealed class CacheMountLease(CacheMountStore store, string key, CacheMountStore.Instance instance) : IDisposable
{
    private int _released;

    /// <summary>The host directory to mount.</summary>
    public string Path => instance.Path;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            store.Release(key, instance);
        }
    }
}
