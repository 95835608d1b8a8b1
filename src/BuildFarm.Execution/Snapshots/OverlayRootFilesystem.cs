using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Snapshots.Internal;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Snapshots;

/// <summary>
/// A step's root file system: an overlay of its parent chain's snapshots with a fresh upper dir,
/// in its own directory <c>&lt;data-dir&gt;/exec/&lt;id&gt;/</c>. Disposing unmounts it and
/// deletes the directory, whatever state the step left it in.
/// </summary>
public sealed class OverlayRootFilesystem : IAsyncDisposable
{
    private readonly MountPointStubs _stubs = new();
    private bool _mounted;
    private bool _unmountedCleanly;
    private bool _disposed;
    private (LayerBlob Layer, LayerWriterOptions Options)? _written;

    private OverlayRootFilesystem(string id, string directory)
    {
        Id = id;
        Directory = directory;
        Path = System.IO.Path.Combine(directory, "rootfs");
        UpperDirectory = System.IO.Path.Combine(directory, "upper");
    }

    /// <summary>Unique among the silo's running steps; names the exec dir and the container.</summary>
    public string Id { get; }

    /// <summary>The step's exec dir; a place for its runtime bundle too.</summary>
    public string Directory { get; }

    /// <summary>The mounted (merged) root.</summary>
    public string Path { get; }

    /// <summary>Where the step's changes land: overlayfs' upper dir.</summary>
    public string UpperDirectory { get; }

    internal static OverlayRootFilesystem Mount(ExecutionPaths paths, IReadOnlyList<string> lowerTopFirst)
    {
        var directory = paths.NewExecDirectory();
        var filesystem = new OverlayRootFilesystem(System.IO.Path.GetFileName(directory), directory);
        try
        {
            var work = System.IO.Path.Combine(filesystem.Directory, "work");
            System.IO.Directory.CreateDirectory(filesystem.UpperDirectory);
            System.IO.Directory.CreateDirectory(work);
            System.IO.Directory.CreateDirectory(filesystem.Path);
            if (lowerTopFirst.Count == 0)
            {
                // scratch: overlayfs needs a lower dir, an empty one adds nothing.
                var empty = System.IO.Path.Combine(filesystem.Directory, "empty");
                System.IO.Directory.CreateDirectory(empty);
                lowerTopFirst = [empty];
            }

            var lowers = DistinctLowerDirectories.Make(lowerTopFirst, System.IO.Path.Combine(filesystem.Directory, "repeats"));
            OverlayMounter.Mount(lowers, System.IO.Path.Combine(filesystem.Directory, "lower"), filesystem.UpperDirectory, work, filesystem.Path);
            filesystem._mounted = true;
            return filesystem;
        }
        catch
        {
            filesystem.DeleteDirectory();
            throw;
        }
    }

    /// <summary>
    /// Creates the missing mount points of a container in the root, to be taken away again by
    /// <see cref="WriteLayerAsync"/> so that they do not become part of the layer.
    /// </summary>
    public void CreateMountPoints(IEnumerable<MountTarget> targets)
    {
        ThrowIfUnmounted();
        _stubs.Create(Path, targets);
    }

    /// <summary>
    /// Unmounts the root and writes what changed in it (additions, whiteouts for deletions,
    /// opaque directories) as a layer to <paramref name="destination"/>.
    /// </summary>
    public async Task<LayerBlob> WriteLayerAsync(Stream destination, LayerWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ThrowIfUnmounted();
        _stubs.Remove(Path);
        Unmount();
        _stubs.PruneCopiedUp(UpperDirectory);
        options = (options ?? new LayerWriterOptions()) with { Source = LayerSource.OverlayUpper };
        var layer = await LayerWriter.WriteAsync(UpperDirectory, destination, options, cancellationToken).ConfigureAwait(false);
        _written = (layer, options);
        return layer;
    }

    /// <summary>
    /// After <see cref="WriteLayerAsync"/>, once the layer is stored: makes the upper dir the
    /// layer's snapshot in <paramref name="snapshots"/> where that is exact, saving the next step
    /// that mounts the layer from unpacking it.
    /// </summary>
    internal SnapshotPromotion PromoteUpperDirectory(SnapshotStore snapshots)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_written is not { } written)
        {
            throw new InvalidOperationException($"The root file system {Id} has written no layer to promote.");
        }

        // A detached overlay lives on while something holds it, and could still write to the upper dir.
        return _unmountedCleanly
            ? snapshots.Promote(written.Layer, UpperDirectory, written.Options)
            : SnapshotPromotion.Refused("its overlay was still in use when unmounted");
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            Unmount();
            DeleteDirectory();
        }

        return ValueTask.CompletedTask;
    }

    private void ThrowIfUnmounted()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_mounted)
        {
            throw new InvalidOperationException($"The root file system {Id} is no longer mounted: its layer was written.");
        }
    }

    private void Unmount()
    {
        if (_mounted)
        {
            _mounted = false;
            _unmountedCleanly = ExecDirectories.Unmount(Path);
        }
    }

    private void DeleteDirectory() => ExecDirectories.Delete(Directory);
}
