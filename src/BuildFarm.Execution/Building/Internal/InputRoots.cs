using BuildFarm.Execution.Snapshots;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// The file systems of one step's stage and image inputs, each mounted from its layers on first
/// use and released together, with a digest cache of their own: a mounted root is a new path
/// every time, so a cache shared beyond the step would only grow.
/// </summary>
/// <param name="fetchMissing">Brings layers the store lacks (a hit or base image whose layers are on other silos) before they are mounted; null when what is mounted is known to be here.</param>
internal sealed class InputRoots(SnapshotStore snapshots, CancellationToken cancellationToken, Func<IReadOnlyList<LayerBlob>, Task>? fetchMissing = null) : IAsyncDisposable
{
    private readonly List<OverlayRootFilesystem> _mounts = [];
    private readonly Dictionary<int, SourceTree> _trees = [];

    /// <summary>What checksumming the roots hashed (<see cref="FileDigestCache.FilesHashed"/>).</summary>
    public FileDigestCache Digests { get; } = new();

    /// <summary>The root of input <paramref name="index"/>, whose file system is <paramref name="layers"/>.</summary>
    public async Task<SourceTree> TreeAsync(int index, IReadOnlyList<LayerBlob> layers)
    {
        if (!_trees.TryGetValue(index, out var tree))
        {
            tree = SourceTree.ForRootFileSystem(await MountAsync(layers).ConfigureAwait(false), Digests);
            _trees[index] = tree;
        }

        return tree;
    }

    /// <summary>Mounts <paramref name="layers"/> until disposed and returns the root's path.</summary>
    public async Task<string> MountAsync(IReadOnlyList<LayerBlob> layers)
    {
        if (fetchMissing is not null)
        {
            await fetchMissing(layers).ConfigureAwait(false);
        }

        var root = await snapshots.MountAsync(layers, cancellationToken).ConfigureAwait(false);
        _mounts.Add(root);
        return root.Path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var mount in _mounts)
        {
            await mount.DisposeAsync().ConfigureAwait(false);
        }

        _mounts.Clear();
        _trees.Clear();
    }
}
