using System.Buffers;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage.Content.Internal;
using BuildFarm.Storage.Eviction;
using BuildFarm.Storage.Eviction.Internal;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Images.Internal;
using BuildFarm.Storage.Leases;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Storage.Content;

/// <summary>
/// The content-addressed blob store on one silo's disk: blobs keyed by sha256 digest and size in
/// <c>&lt;data-dir&gt;/blobs/sha256/&lt;hex&gt;</c>, verified on every read, evicted least recently
/// used first when the store outgrows <see cref="ContentStoreOptions.MaxBytes"/>, except blobs held
/// by a lease (<see cref="Leases"/>) or reachable from a named image (<see cref="Images"/>).
/// One data directory is served by one open store; the store is safe to use from many threads.
/// </summary>
public sealed class ContentStore : IDisposable
{
    private const int CopyBufferSize = 128 * 1024;

    // Guards the index, the access log and the leases. Held only for quick bookkeeping, renames
    // and deletes, never while blob bytes are copied.
    private readonly Lock _sync = new();

    // Keeps image names still while eviction marks what they reach; taken before _sync.
    private readonly Lock _imageRootsGate = new();

    private readonly BlobPaths _paths;
    private readonly BlobIndex _index;
    private readonly TimeProvider _time;
    private readonly long _maxBytes;
    private readonly long _lowWaterBytes;
    private readonly FileStream _lockFile;
    private readonly AccessLog _accessLog;
    private bool _disposed;

    // Set in a cluster: evictions set off by writes ask it first, in the background, one at a time.
    private IBlobDropApproval? _writeEvictionApproval;
    private int _backgroundEvictionRunning;

    private ContentStore(ContentStoreOptions options, TimeProvider time)
    {
        _time = time;
        _maxBytes = options.MaxBytes;
        _lowWaterBytes = options.LowWaterBytes;
        DataDirectory = options.DataDirectory;
        _paths = new BlobPaths(options.DataDirectory);
        Directory.CreateDirectory(_paths.Sha256);
        Directory.CreateDirectory(_paths.Ingest);
        _lockFile = AcquireLock(_paths);
        try
        {
            // We hold the lock, so whatever is in ingest/ was left by a writer that was interrupted.
            foreach (var leftover in Directory.EnumerateFiles(_paths.Ingest))
            {
                File.Delete(leftover);
            }

            AtomicFile.DeleteLeftovers(_paths.Root);
            AtomicFile.DeleteLeftovers(options.DataDirectory);
            _index = BlobIndex.Load(_paths.Sha256, AccessLog.Replay(_paths.AccessLog));
            _accessLog = AccessLog.Create(_paths.AccessLog, _index.Uses());
            Leases = new LeaseManager(_sync, time);
            Images = ImageStore.Open(options.DataDirectory, _imageRootsGate, time);
        }
        catch
        {
            _accessLog?.Dispose();
            _lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Validates the options and opens (creating if needed) the store in their data directory.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="IOException">The store is already open, or the directory cannot be used.</exception>
    public static ContentStore Open(ContentStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new ContentStore(options, timeProvider ?? TimeProvider.System);
    }

    public string DataDirectory { get; }

    /// <summary>Leases that keep blobs of running work from eviction.</summary>
    public LeaseManager Leases { get; }

    /// <summary>Image names; the blobs reachable from them are kept from eviction.</summary>
    public ImageStore Images { get; }

    /// <summary>
    /// Raised after an eviction or a prune removed blobs, outside the store's lock, so that the
    /// silo's metrics count every byte evicted however it was set off.
    /// </summary>
    public event Action<EvictionResult>? Evicted;

    /// <summary>Raised when an eviction running in the background failed (the approval could not be had); the next write over the limit tries again.</summary>
    public event Action<Exception>? EvictionFailed;

    /// <summary>
    /// From now on, evictions set off by writes ask <paramref name="approval"/> before dropping a blob
    /// (in a cluster, the blob directory). Asking means calls to other machines, which must not hold
    /// a write: a write that takes the store over its limit starts one eviction in the background
    /// (one at a time) and returns without its result (<see cref="BlobWriteResult.Eviction"/> is null);
    /// it spares the blobs whose writes set it off.
    /// </summary>
    public void CoordinateEvictionWith(IBlobDropApproval approval)
    {
        ArgumentNullException.ThrowIfNull(approval);
        _writeEvictionApproval = approval;
    }

    /// <summary>The sum of the sizes of all blobs.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_sync)
            {
                return _index.TotalBytes;
            }
        }
    }

    public bool Exists(Digest digest)
    {
        lock (_sync)
        {
            return _index.TryGet(digest, out _);
        }
    }

    /// <summary>The blob's size and last use, or null when the store does not hold it.</summary>
    public BlobInfo? GetInfo(Digest digest)
    {
        lock (_sync)
        {
            return _index.TryGet(digest, out var entry) ? entry.ToInfo() : null;
        }
    }

    /// <summary>All blobs, least recently used first: the order eviction would take them in.</summary>
    public IReadOnlyList<BlobInfo> List()
    {
        lock (_sync)
        {
            return [.. _index.LeastRecentFirst().Select(static entry => entry.ToInfo())];
        }
    }

    /// <summary>Opens a blob for reading and counts it as used. The stream verifies the content as it is read.</summary>
    /// <exception cref="BlobNotFoundException">The store does not hold the blob.</exception>
    public BlobReadStream OpenRead(Digest digest) => Open(digest, countAsUse: true);

    /// <summary>
    /// Starts writing a blob whose digest or size may not be known yet (a layer being compressed).
    /// Whatever is declared here is checked on commit; a lease given here holds the blob from the
    /// moment it is committed.
    /// </summary>
    /// <exception cref="LeaseNotFoundException">The lease is not live.</exception>
    public BlobWriter BeginWrite(Digest? expectedDigest = null, long? expectedSize = null, string? leaseId = null)
    {
        if (expectedDigest is { } digest)
        {
            RequireSha256(digest);
        }

        if (expectedSize is { } size)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size, nameof(expectedSize));
        }

        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (leaseId is not null)
            {
                Leases.EnsureLive(leaseId);
            }
        }

        return new BlobWriter(this, _paths.NewIngestPath(), expectedDigest, expectedSize, leaseId);
    }

    /// <summary>
    /// Stores a blob of known digest and size, streamed from <paramref name="content"/>. When the
    /// store already holds it, <paramref name="content"/> is not read.
    /// </summary>
    /// <exception cref="BlobMismatchException">The content is not what was declared; nothing is stored.</exception>
    /// <exception cref="LeaseNotFoundException">The lease is not live.</exception>
    public async Task<BlobWriteResult> WriteAsync(Stream content, Digest expectedDigest, long expectedSize, string? leaseId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        RequireSha256(expectedDigest);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedSize);
        if (TryUseExisting(expectedDigest, expectedSize, leaseId) is { } existing)
        {
            return existing;
        }

        using var writer = BeginWrite(expectedDigest, expectedSize, leaseId);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores many small blobs with one disk sync for all of them rather than one per blob. Each
    /// blob is checked against its declared digest and size before anything of it is written: one
    /// that fails is refused alone (its outcome says why) and leaves nothing behind, while the
    /// others are stored. The checked blobs go to temporary files in <c>ingest/</c> without a sync;
    /// one syncfs(2) then puts all of them on disk; only then is each renamed into place, and one
    /// fsync of the blob directory makes the new names durable before the outcomes are returned.
    /// A crash before a blob's rename leaves only its <c>ingest/</c> file, which the next open
    /// deletes; a blob's name never points at bytes that are not on disk.
    /// A blob the store already holds is not written again (it counts as used), and content that
    /// occurs twice in the batch is written once (the second outcome says not created).
    /// </summary>
    /// <remarks>
    /// syncfs flushes the whole file system the store lives on, so its cost grows with what other
    /// writers left unflushed there; on a dedicated data disk it is a single journal commit. It
    /// measured 12-26 ms for 900 files of 1 KiB, where an fsync per file took 2.6-3.2 s and 16
    /// fsyncs in parallel 130-160 ms (ext4).
    /// </remarks>
    /// <exception cref="LeaseNotFoundException">The lease is not live; nothing of the batch is stored.</exception>
    /// <exception cref="IOException">The disk failed. Blobs already renamed into place stay (they are whole and synced); nothing else of the batch is stored.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the renames began; nothing of the batch is stored.</exception>
    public BlobBatchResult WriteBatch(IReadOnlyList<BatchBlob> blobs, string? leaseId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        foreach (var blob in blobs)
        {
            RequireSha256(blob.Digest);
            ArgumentOutOfRangeException.ThrowIfNegative(blob.Size, nameof(blobs));
        }

        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (leaseId is not null)
            {
                Leases.EnsureLive(leaseId);
            }
        }

        var outcomes = new BatchBlobOutcome?[blobs.Count];
        // The first blob of each digest that passed its check; later ones with that digest share its outcome.
        var firstOfDigest = new Dictionary<Digest, int>();
        var ingested = new List<IngestedBlob>();
        try
        {
            for (var i = 0; i < blobs.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var blob = blobs[i];
                if (BatchBlobFailure(blob) is { } failure)
                {
                    outcomes[i] = BatchBlobOutcome.Refused(failure);
                }
                else if (firstOfDigest.TryAdd(blob.Digest, i))
                {
                    outcomes[i] = UseExistingForBatch(blob, leaseId);
                    if (outcomes[i] is null)
                    {
                        ingested.Add(Ingest(i, blob));
                    }
                }
            }

            if (ingested.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                LibC.SyncFileSystem(_paths.Ingest);
                PlaceBatch(ingested, leaseId, outcomes);
                LibC.SyncDirectory(_paths.Sha256);
            }
        }
        catch
        {
            // Placed blobs are gone from ingest/ already; these deletes only meet the rest.
            foreach (var blob in ingested)
            {
                File.Delete(blob.TemporaryPath);
            }

            throw;
        }

        for (var i = 0; i < blobs.Count; i++)
        {
            if (outcomes[i] is null && outcomes[firstOfDigest[blobs[i].Digest]] is { Blob: { } first })
            {
                outcomes[i] = BatchBlobOutcome.Stored(first, created: false);
            }
        }

        var eviction = TotalBytes > _maxBytes ? EvictAfterWrite(isSpared: firstOfDigest.ContainsKey) : null;
        return new BlobBatchResult([.. outcomes.Select(static outcome => outcome!)], eviction);
    }

    /// <summary>Reads a blob through and tells whether it matches its digest; a corrupt blob is removed.</summary>
    /// <exception cref="BlobNotFoundException">The store does not hold the blob.</exception>
    public async Task<bool> VerifyAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        try
        {
            await DrainAsync(Open(digest, countAsUse: false), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CorruptBlobException)
        {
            return false;
        }
    }

    /// <summary>Verifies every blob, removing the corrupt ones. Checking does not count as use.</summary>
    public async Task<ContentCheckReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        List<BlobEntry> entries;
        lock (_sync)
        {
            entries = _index.LeastRecentFirst();
        }

        var checkedCount = 0;
        var checkedBytes = 0L;
        var corrupt = new List<CorruptBlob>();
        foreach (var entry in entries.OrderBy(static entry => entry.Digest.Hex, StringComparer.Ordinal))
        {
            BlobReadStream stream;
            try
            {
                stream = Open(entry.Digest, countAsUse: false);
            }
            catch (BlobNotFoundException)
            {
                continue; // evicted or removed since the list was taken
            }

            checkedCount++;
            checkedBytes += stream.Length;
            try
            {
                await DrainAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            catch (CorruptBlobException ex)
            {
                corrupt.Add(ex.Corruption);
            }
        }

        return new ContentCheckReport(checkedCount, checkedBytes, corrupt);
    }

    /// <summary>
    /// Removes least recently used blobs until the store holds at most <paramref name="targetBytes"/>,
    /// skipping leased blobs and blobs reachable from named images. <c>Evict(0)</c> prunes everything
    /// that is not held.
    /// </summary>
    public EvictionResult Evict(long targetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetBytes);
        return Evict(targetBytes, isKept: null);
    }

    /// <summary>
    /// Removes every blob that is not leased, not reachable from a named image and not in
    /// <paramref name="keep"/> (what the caller still needs, such as recorded step layers).
    /// </summary>
    public EvictionResult Prune(IReadOnlySet<Digest> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return Evict(0, keep.Contains);
    }

    /// <summary>
    /// Like <see cref="Evict(long)"/>, but asks <paramref name="approval"/> before dropping anything:
    /// only what it approves goes, and what it approved but the store kept after all (used or leased
    /// meanwhile, or not needed to reach the target) is handed back to it.
    /// </summary>
    public Task<EvictionResult> EvictAsync(long targetBytes, IBlobDropApproval approval, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(targetBytes);
        return EvictApprovedAsync(targetBytes, isKept: null, approval, cancellationToken);
    }

    /// <summary>Like <see cref="Prune"/>, but asks <paramref name="approval"/> before dropping anything (see <see cref="EvictAsync"/>).</summary>
    public Task<EvictionResult> PruneAsync(IReadOnlySet<Digest> keep, IBlobDropApproval approval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return EvictApprovedAsync(0, keep.Contains, approval, cancellationToken);
    }

    /// <summary>
    /// What one image reaches in this store: its index or manifest, configs and layers. A document
    /// the store lacks ends its branch (what it would reach cannot be known here).
    /// </summary>
    public ImageReach Reach(Descriptor target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return ReachableBlobs.Mark(this, [target], withDiffIds: false);
    }

    /// <summary>
    /// What named images reach now: their manifests, indexes, configs and layers, and the diffIDs
    /// their configs list (the snapshots their layers unpack to).
    /// </summary>
    public ImageReach ReachFromImages()
    {
        lock (_imageRootsGate)
        {
            return Images.MarkReachable(this, withDiffIds: true);
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _accessLog.Dispose();
            _lockFile.Dispose();
        }
    }

    /// <summary>Makes a verified temporary file the blob <paramref name="digest"/>; called by <see cref="BlobWriter"/>.</summary>
    internal BlobWriteResult CommitIngested(string temporaryPath, Digest digest, long size, string? leaseId)
    {
        BlobEntry entry;
        bool created;
        long totalBytes;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (leaseId is not null)
            {
                Leases.EnsureLive(leaseId);
            }

            (entry, created) = PlaceIngested(temporaryPath, digest, size, leaseId);
            CompactAccessLogIfLarge();
            totalBytes = _index.TotalBytes;
        }

        // The blob just written is spared: the writer is about to use it.
        var eviction = totalBytes > _maxBytes ? EvictAfterWrite(isSpared: spared => spared == digest) : null;
        return new BlobWriteResult(entry.ToInfo(), created, eviction);
    }

    /// <summary>Forgets a blob whose file proved corrupt, unless it has been replaced meanwhile.</summary>
    internal void RemoveCorrupt(BlobEntry entry)
    {
        lock (_sync)
        {
            if (_index.Remove(entry))
            {
                File.Delete(_paths.BlobPath(entry.Digest));
            }
        }
    }

    /// <summary>
    /// Renames a verified temporary file into place as the blob and indexes it, or drops the file
    /// when the blob is already held (a concurrent writer stored it first; its file is identical).
    /// Called under <see cref="_sync"/>.
    /// </summary>
    private (BlobEntry Entry, bool Created) PlaceIngested(string temporaryPath, Digest digest, long size, string? leaseId)
    {
        BlobEntry entry;
        var created = !_index.TryGet(digest, out var existing);
        if (existing is not null)
        {
            File.Delete(temporaryPath);
            entry = existing;
            RecordUse(entry);
        }
        else
        {
            File.Move(temporaryPath, _paths.BlobPath(digest), overwrite: true);
            entry = new BlobEntry(digest, size, _time.GetUtcNow());
            _index.Add(entry);
            _accessLog.Append(digest, entry.LastUsed);
        }

        if (leaseId is not null)
        {
            Leases.Add(leaseId, digest);
        }

        return (entry, created);
    }

    /// <summary>Places every blob of a synced batch, under one hold of the lock.</summary>
    private void PlaceBatch(List<IngestedBlob> ingested, string? leaseId, BatchBlobOutcome?[] outcomes)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (leaseId is not null)
            {
                Leases.EnsureLive(leaseId);
            }

            foreach (var blob in ingested)
            {
                var (entry, created) = PlaceIngested(blob.TemporaryPath, blob.Digest, blob.Size, leaseId);
                outcomes[blob.Index] = BatchBlobOutcome.Stored(entry.ToInfo(), created);
            }

            CompactAccessLogIfLarge();
        }
    }

    private BlobWriteResult? TryUseExisting(Digest digest, long size, string? leaseId)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_index.TryGet(digest, out var entry))
            {
                return null;
            }

            if (entry.Size != size)
            {
                throw new BlobMismatchException(digest, size, $"the store holds that digest with {entry.Size} bytes");
            }

            if (leaseId is not null)
            {
                Leases.Add(leaseId, digest);
            }

            RecordUse(entry);
            return new BlobWriteResult(entry.ToInfo(), Created: false, Eviction: null);
        }
    }

    /// <summary>Opens a blob for a verified read; reads for checking or marking do not count as use.</summary>
    internal BlobReadStream Open(Digest digest, bool countAsUse)
    {
        BlobEntry? entry;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_index.TryGet(digest, out entry))
            {
                throw new BlobNotFoundException(digest, _paths.Root);
            }

            if (countAsUse)
            {
                RecordUse(entry);
            }
        }

        var path = _paths.BlobPath(digest);
        try
        {
            // FileShare.Delete: eviction may unlink the file while it is read; the reader keeps its bytes.
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.SequentialScan);
            return new BlobReadStream(file, entry, path, this);
        }
        catch (FileNotFoundException)
        {
            // Removed behind the store's back; stop claiming to hold it.
            lock (_sync)
            {
                _index.Remove(entry);
            }

            throw new BlobNotFoundException(digest, _paths.Root);
        }
    }

    private EvictionResult Evict(long targetBytes, Func<Digest, bool>? isKept)
    {
        var result = WhileHeldIsKnown(
            targetBytes,
            isKept,
            isHeld => LruSweep.Run(_index, targetBytes, isHeld, delete: entry => File.Delete(_paths.BlobPath(entry.Digest))),
            whenRoomy: () => new EvictionResult([], 0, TotalBytes));
        if (result.Evicted.Count > 0)
        {
            Evicted?.Invoke(result);
        }

        return result;
    }

    /// <summary>The eviction a write over the limit sets off: here and now, or in the background when it must be asked for.</summary>
    private EvictionResult? EvictAfterWrite(Func<Digest, bool> isSpared)
    {
        if (_writeEvictionApproval is not { } approval)
        {
            return Evict(_lowWaterBytes, isSpared);
        }

        if (Interlocked.CompareExchange(ref _backgroundEvictionRunning, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await EvictApprovedAsync(_lowWaterBytes, isSpared, approval, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    EvictionFailed?.Invoke(e);
                }
                finally
                {
                    Volatile.Write(ref _backgroundEvictionRunning, 0);
                }
            });
        }

        return null;
    }

    /// <summary>
    /// Evicts in rounds: each asks about what a sweep would take next, then sweeps only what was
    /// approved. A blob refused, or approved and kept, is not asked about again in this eviction,
    /// so every round shrinks what is left to ask about and the rounds end.
    /// </summary>
    private async Task<EvictionResult> EvictApprovedAsync(long targetBytes, Func<Digest, bool>? isKept, IBlobDropApproval approval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approval);
        var settled = new HashSet<Digest>();
        var evicted = new List<BlobInfo>();
        while (true)
        {
            var candidates = WhileHeldIsKnown(
                targetBytes,
                digest => isKept?.Invoke(digest) == true || settled.Contains(digest),
                isHeld => LruSweep.Plan(_index, targetBytes, isHeld),
                whenRoomy: () => []);
            if (candidates.Count == 0)
            {
                break;
            }

            var approved = await approval.ApproveAsync(candidates, cancellationToken).ConfigureAwait(false);
            // From here on nothing is cancelled: the approval counts the approved blobs as dropped.
            var round = Evict(targetBytes, digest => isKept?.Invoke(digest) == true || !approved.Contains(digest));
            evicted.AddRange(round.Evicted);
            var dropped = round.Evicted.Select(static blob => blob.Digest).ToHashSet();
            var kept = candidates.Where(digest => approved.Contains(digest) && !dropped.Contains(digest)).ToList();
            if (kept.Count > 0)
            {
                await approval.SettleAsync(kept, CancellationToken.None).ConfigureAwait(false);
            }

            settled.UnionWith(candidates);
            if (round.BytesRemaining <= targetBytes)
            {
                break;
            }
        }

        return new EvictionResult(evicted, evicted.Sum(static blob => blob.Size), TotalBytes);
    }

    /// <summary>
    /// Runs <paramref name="sweep"/> under the store's lock with what holds a blob now: leases,
    /// named images, and <paramref name="isKept"/>; or <paramref name="whenRoomy"/> when the store
    /// is within <paramref name="targetBytes"/> already (a concurrent eviction made room).
    /// </summary>
    private T WhileHeldIsKnown<T>(long targetBytes, Func<Digest, bool>? isKept, Func<Func<Digest, bool>, T> sweep, Func<T> whenRoomy)
    {
        lock (_imageRootsGate)
        {
            if (TotalBytes <= targetBytes)
            {
                return whenRoomy();
            }

            // Marking reads manifests through the store, so it runs before _sync is taken; holding
            // the image gate keeps a name from appearing between marking and sweeping.
            var reachable = Images.MarkReachable(this, withDiffIds: false).Blobs;
            lock (_sync)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var leased = Leases.PruneExpiredAndCollectBlobs();
                return sweep(digest => leased.Contains(digest) || reachable.Contains(digest) || isKept?.Invoke(digest) == true);
            }
        }
    }

    private void RecordUse(BlobEntry entry)
    {
        var now = _time.GetUtcNow();
        _index.MarkUsed(entry, now);
        _accessLog.Append(entry.Digest, now);
        CompactAccessLogIfLarge();
    }

    private void CompactAccessLogIfLarge() => _accessLog.CompactIfLarge(_index.Uses, _index.Count);

    private static FileStream AcquireLock(BlobPaths paths)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) that other opens, in this
            // process or another, cannot get; the kernel drops it if the process dies.
            return new FileStream(paths.Lock, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The content store at {paths.Root} is already open; one data directory is served by one store at a time.", ex);
        }
    }

    /// <summary>Why a batch blob's content is not what it claims, or null when it is.</summary>
    private static BlobMismatchException? BatchBlobFailure(BatchBlob blob)
    {
        if (blob.Content.Length != blob.Size)
        {
            return new BlobMismatchException(blob.Digest, blob.Size, $"its content has {blob.Content.Length} bytes");
        }

        var digest = Digest.Sha256(blob.Content.Span);
        return digest != blob.Digest ? new BlobMismatchException(blob.Digest, blob.Size, $"its content has digest {digest}") : null;
    }

    /// <summary>The outcome of a checked batch blob the store already holds, or null when it must be written.</summary>
    private BatchBlobOutcome? UseExistingForBatch(BatchBlob blob, string? leaseId)
    {
        try
        {
            return TryUseExisting(blob.Digest, blob.Size, leaseId) is { } existing ? BatchBlobOutcome.Stored(existing.Blob, created: false) : null;
        }
        catch (BlobMismatchException failure)
        {
            return BatchBlobOutcome.Refused(failure);
        }
    }

    /// <summary>Writes a checked batch blob to a new ingest/ file, without a sync: the batch syncs once for all.</summary>
    private IngestedBlob Ingest(int index, BatchBlob blob)
    {
        var ingested = new IngestedBlob(index, blob.Digest, blob.Size, _paths.NewIngestPath());
        try
        {
            using var file = File.OpenHandle(ingested.TemporaryPath, FileMode.CreateNew, FileAccess.Write);
            RandomAccess.Write(file, blob.Content.Span, fileOffset: 0);
            return ingested;
        }
        catch
        {
            File.Delete(ingested.TemporaryPath);
            throw;
        }
    }

    private static void RequireSha256(Digest digest)
    {
        if (digest.IsEmpty || digest.Algorithm != "sha256")
        {
            throw new ArgumentException($"The content store keys blobs by sha256 digests, not '{digest}'.", nameof(digest));
        }
    }

    private static async Task DrainAsync(BlobReadStream stream, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>A checked batch blob waiting in ingest/ for the batch's sync and rename.</summary>
    private sealed record IngestedBlob(int Index, Digest Digest, long Size, string TemporaryPath);
}
