using System.Collections.Concurrent;
using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Snapshots.Internal;
using BuildFarm.Oci;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Execution.Snapshots;

/// <summary>
/// Layers unpacked once per silo, each into <c>&lt;data-dir&gt;/snapshots/&lt;diffID hex&gt;/</c>
/// in overlayfs lower-dir form, and never written again; the root file systems of steps are
/// overlays of them.
/// </summary>
/// <remarks>
/// A later step must see the same tree on every silo, so a snapshot is always exactly what its
/// blob unpacks to. A layer this silo has just written need not be unpacked for that: the
/// directory it was written from (a step's upper dir, a <c>COPY --link</c> directory) is made
/// into that tree in place (<see cref="SnapshotForm"/>: times clamped as the writer clamped
/// them, overlayfs' own xattrs dropped, whiteouts made the applier's way) and renamed into
/// place, which saves reading the blob back. Where that cannot be exact, the directory is
/// dropped and the snapshot unpacked from the blob when a step first needs it.
/// </remarks>
public sealed class SnapshotStore
{
    private readonly ExecutionPaths _paths;
    private readonly ContentStore _content;
    private readonly ConcurrentDictionary<Digest, Lazy<Task<string>>> _unpacking = new();
    private long _unpackCount;
    private long _promotionCount;

    internal SnapshotStore(ExecutionPaths paths, ContentStore content)
    {
        _paths = paths;
        _content = content;
        Directory.CreateDirectory(paths.Snapshots);
    }

    /// <summary>How many layers this store has unpacked from their blobs.</summary>
    public long UnpackCount => Interlocked.Read(ref _unpackCount);

    /// <summary>How many directories that layers were written from this store has made their snapshots.</summary>
    public long PromotionCount => Interlocked.Read(ref _promotionCount);

    /// <summary>The directory of a layer's snapshot, whether or not it is unpacked yet.</summary>
    public string PathOf(Digest diffId) => _paths.Snapshot(diffId);

    public bool Contains(Digest diffId) => Directory.Exists(PathOf(diffId));

    /// <summary>
    /// The snapshot of <paramref name="layer"/>, unpacked from its blob in the content store if
    /// this silo has none yet. Concurrent calls for one layer unpack it once.
    /// </summary>
    /// <exception cref="InvalidDataException">The blob does not unpack to the layer's diffID.</exception>
    public async Task<string> EnsureAsync(LayerBlob layer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var path = PathOf(layer.DiffId);
        if (Directory.Exists(path))
        {
            return path;
        }

        // The unpack itself is not cancelled by one caller: others may be waiting for it.
        var unpack = _unpacking.GetOrAdd(layer.DiffId, _ => new Lazy<Task<string>>(() => UnpackAsync(layer)));
        try
        {
            return await unpack.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (unpack.Value.IsCompleted)
            {
                _unpacking.TryRemove(new KeyValuePair<Digest, Lazy<Task<string>>>(layer.DiffId, unpack));
            }
        }
    }

    /// <summary>
    /// Unpacks what is missing of <paramref name="chain"/> (bottom layer first, as an image lists
    /// them) and mounts its overlay with a fresh upper dir.
    /// </summary>
    public async Task<OverlayRootFilesystem> MountAsync(IReadOnlyList<LayerBlob> chain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var lowers = new string[chain.Count];
        for (var i = 0; i < chain.Count; i++)
        {
            // overlayfs lists the top layer first.
            lowers[chain.Count - 1 - i] = await EnsureAsync(chain[i], cancellationToken).ConfigureAwait(false);
        }

        return OverlayRootFilesystem.Mount(_paths, lowers);
    }

    /// <summary>The unpacked snapshots by diffID, each with the bytes of its files; snapshots still being unpacked are not listed.</summary>
    public IReadOnlyList<(Digest DiffId, long Bytes)> List() =>
        [.. Directory.EnumerateDirectories(_paths.Snapshots)
            .Where(static path => !Path.GetFileName(path).StartsWith(ExecutionPaths.UnpackPrefix, StringComparison.Ordinal))
            .Select(static path => (Digest.Parse("sha256:" + Path.GetFileName(path)), DiskSpace.Measure(path)))];

    /// <summary>
    /// Deletes a snapshot and tells the bytes it took. The caller makes sure no step mounts it
    /// (pruning holds the <see cref="Storage.Pruning.PruneGate"/>, so no build runs).
    /// </summary>
    public long Delete(Digest diffId)
    {
        var path = PathOf(diffId);
        var bytes = DiskSpace.Measure(path);
        DiskSpace.Delete(path);
        return bytes;
    }

    /// <summary>
    /// Makes <paramref name="directory"/>, which <paramref name="layer"/> was just written from
    /// with <paramref name="options"/>, the layer's snapshot, unless the layer has one already.
    /// The caller owns the directory, and nothing may change it meanwhile (an upper dir's overlay
    /// is unmounted); it is moved away, or left to the caller to delete.
    /// </summary>
    internal SnapshotPromotion Promote(LayerBlob layer, string directory, LayerWriterOptions options)
    {
        if (Contains(layer.DiffId))
        {
            return SnapshotPromotion.AlreadyThere;
        }

        try
        {
            if (SnapshotForm.TryNormalise(directory, options.Source, options.SourceDateEpoch?.ToUnixTimeSeconds()) is { } refusal)
            {
                return SnapshotPromotion.Refused(refusal);
            }

            if (!LinuxCalls.RenameNoReplace(directory, PathOf(layer.DiffId)))
            {
                return SnapshotPromotion.AlreadyThere; // promoted or unpacked meanwhile: snapshots of one diffID are identical
            }
        }
        catch (IOException e)
        {
            // Say a file made immutable, or the exec dir on another file system: the blob still unpacks.
            return SnapshotPromotion.Refused(e.Message);
        }

        Interlocked.Increment(ref _promotionCount);
        return SnapshotPromotion.Promoted;
    }

    /// <summary>
    /// Makes the snapshot of <paramref name="layer"/>, which was written by patching
    /// <paramref name="previous"/> with <paramref name="changes"/> (an uncompressed tar of an upper
    /// dir, whiteouts included), from <paramref name="previous"/>'s snapshot: a linked clone of it
    /// with the changes applied, which is what the layer's blob unpacks to, for the cost of the
    /// clone's links and the changes' bytes. The snapshot of <paramref name="previous"/> must exist.
    /// </summary>
    internal async Task<SnapshotPromotion> DeriveAsync(LayerBlob layer, LayerBlob previous, Stream changes, CancellationToken cancellationToken)
    {
        if (Contains(layer.DiffId))
        {
            return SnapshotPromotion.AlreadyThere;
        }

        var staging = _paths.NewUnpackDirectory(layer.DiffId);
        try
        {
            Directory.CreateDirectory(staging);
            LinkedClone.Copy(PathOf(previous.DiffId), staging, cancellationToken);
            await LayerApplier.ApplyAsync(changes, staging, LayerApplyMode.Merge, cancellationToken).ConfigureAwait(false);
            SnapshotForm.FixRoot(staging);
            if (!LinuxCalls.RenameNoReplace(staging, PathOf(layer.DiffId)))
            {
                return SnapshotPromotion.AlreadyThere;
            }
        }
        catch (IOException e)
        {
            return SnapshotPromotion.Refused(e.Message);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                ExecDirectories.Delete(staging);
            }
        }

        Interlocked.Increment(ref _promotionCount);
        return SnapshotPromotion.Promoted;
    }

    /// <summary>Deletes snapshots whose unpacking was interrupted by a crash; called at start.</summary>
    internal void DeleteInterruptedUnpacks()
    {
        foreach (var leftover in Directory.EnumerateDirectories(_paths.Snapshots, ExecutionPaths.UnpackPrefix + "*"))
        {
            ExecDirectories.Delete(leftover);
        }
    }

    private async Task<string> UnpackAsync(LayerBlob layer)
    {
        await Task.Yield(); // unpack off the caller's stack, so Lazy never runs it inline under contention
        var path = PathOf(layer.DiffId);
        var staging = _paths.NewUnpackDirectory(layer.DiffId);
        try
        {
            LayerApplyResult applied;
            await using (var blob = _content.OpenRead(layer.Descriptor.Digest))
            {
                applied = await LayerApplier.ApplyAsync(blob, staging, LayerApplyMode.OverlayLower).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _unpackCount);

            if (applied.DiffId != layer.DiffId)
            {
                throw new InvalidDataException($"Layer blob {layer.Descriptor.Digest} unpacks to diffID {applied.DiffId}, not the expected {layer.DiffId}.");
            }

            SnapshotForm.FixRoot(staging);

            try
            {
                Directory.Move(staging, path);
            }
            catch (IOException) when (Directory.Exists(path))
            {
                // Unpacked meanwhile by another store on this data directory; snapshots of one diffID are identical.
            }

            return path;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }
}
