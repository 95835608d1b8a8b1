using BuildFarm.Oci;

namespace BuildFarm.Storage.Leases;

/// <summary>
/// The leases on one content store.
/// </summary>
/// <remarks>
/// Leases live in memory only. A lease belongs to work running in this process (a build step, a
/// pull); when the process stops, that work stops too, and whoever resumes it takes new leases.
/// Persisting them would only keep blobs of work that no longer runs. Expiry bounds how long a
/// lease whose owner forgot to delete it keeps blobs from eviction.
/// <para>
/// To keep a blob that may be evicted at any moment, lease it first and then check that the store
/// still holds it: once leased it cannot be evicted. The manager shares the store's lock for that reason.
/// </para>
/// </remarks>
public sealed class LeaseManager
{
    private readonly Lock _sync;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, LeaseState> _leases = new(StringComparer.Ordinal);

    internal LeaseManager(Lock sync, TimeProvider time)
    {
        _sync = sync;
        _time = time;
    }

    /// <summary>Creates a lease, expiring <paramref name="expiresAfter"/> from now when given.</summary>
    /// <exception cref="InvalidOperationException">A live lease with this id exists.</exception>
    public Lease Create(string id, TimeSpan? expiresAfter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (expiresAfter is { } ttl)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(expiresAfter));
        }

        lock (_sync)
        {
            var now = _time.GetUtcNow();
            if (_leases.TryGetValue(id, out var existing) && !existing.IsExpiredAt(now))
            {
                throw new InvalidOperationException($"Lease '{id}' already exists.");
            }

            var lease = new LeaseState(id, now, now + expiresAfter);
            _leases[id] = lease;
            return lease.ToLease();
        }
    }

    /// <summary>Moves the expiry of a live lease to <paramref name="expiresAfter"/> from now.</summary>
    public Lease Renew(string id, TimeSpan expiresAfter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(expiresAfter, TimeSpan.Zero);
        lock (_sync)
        {
            var lease = GetLive(id);
            lease.ExpiresAt = _time.GetUtcNow() + expiresAfter;
            return lease.ToLease();
        }
    }

    /// <summary>Adds a blob to a live lease; the blob need not be in the store yet.</summary>
    public void Add(string id, Digest digest)
    {
        lock (_sync)
        {
            GetLive(id).Blobs.Add(digest);
        }
    }

    /// <summary>Ends a lease; its blobs become evictable unless something else holds them.</summary>
    public bool Delete(string id)
    {
        lock (_sync)
        {
            return _leases.Remove(id);
        }
    }

    /// <summary>The live lease with this id, or null.</summary>
    public Lease? Get(string id)
    {
        lock (_sync)
        {
            return _leases.TryGetValue(id, out var lease) && !lease.IsExpiredAt(_time.GetUtcNow()) ? lease.ToLease() : null;
        }
    }

    /// <summary>The live leases, ordered by id.</summary>
    public IReadOnlyList<Lease> List()
    {
        lock (_sync)
        {
            var now = _time.GetUtcNow();
            return [.. _leases.Values.Where(lease => !lease.IsExpiredAt(now)).OrderBy(static lease => lease.Id, StringComparer.Ordinal).Select(static lease => lease.ToLease())];
        }
    }

    /// <summary>Throws unless a live lease with this id exists. Caller holds the store's lock.</summary>
    internal void EnsureLive(string id) => GetLive(id);

    /// <summary>
    /// Forgets expired leases and returns the blobs the live ones hold. Caller holds the store's
    /// lock for as long as it relies on the answer.
    /// </summary>
    internal HashSet<Digest> PruneExpiredAndCollectBlobs()
    {
        var now = _time.GetUtcNow();
        var blobs = new HashSet<Digest>();
        foreach (var lease in _leases.Values.ToList())
        {
            if (lease.IsExpiredAt(now))
            {
                _leases.Remove(lease.Id);
            }
            else
            {
                blobs.UnionWith(lease.Blobs);
            }
        }

        return blobs;
    }

    private LeaseState GetLive(string id) =>
        _leases.TryGetValue(id, out var lease) && !lease.IsExpiredAt(_time.GetUtcNow())
            ? lease
            : throw new LeaseNotFoundException(id);

    /// <summary>The mutable state behind a lease; callers only ever see <see cref="Lease"/> copies.</summary>
    private sealed class LeaseState(string id, DateTimeOffset createdAt, DateTimeOffset? expiresAt)
    {
        public string Id { get; } = id;

        public DateTimeOffset? ExpiresAt { get; set; } = expiresAt;

        public HashSet<Digest> Blobs { get; } = [];

        public bool IsExpiredAt(DateTimeOffset now) => Lease.HasExpired(ExpiresAt, now);

        public Lease ToLease() => new(Id, createdAt, ExpiresAt, new HashSet<Digest>(Blobs));
    }
}
