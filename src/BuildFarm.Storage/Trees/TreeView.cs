using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Trees;

/// <summary>
/// A content tree read from the store one directory at a time, as lookups reach it: a build that
/// reads <c>src/app</c> of a large context reads the nodes on that path and no other. Nodes are
/// kept for as long as the view lives (one build); safe for concurrent use.
/// </summary>
public sealed class TreeView
{
    private readonly ContentStore _store;
    private readonly Dictionary<string, Directory> _directories = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private int _nodesRead;

    public TreeView(Digest root, ContentStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Root = root;
        _store = store;
    }

    /// <summary>The digest of the root node: the tree's identity.</summary>
    public Digest Root { get; }

    /// <summary>The size of the root node blob.</summary>
    public long RootSize => DirectoryAt(string.Empty).Node.Bytes.Length;

    /// <summary>How many node blobs were read from the store so far.</summary>
    public int NodesRead => Volatile.Read(ref _nodesRead);

    /// <summary>The entry at a root-relative, slash-separated path (no <c>.</c>, <c>..</c> or empty components); null when there is none.</summary>
    /// <exception cref="TreeBlobMissingException">A node on the way is not in the store.</exception>
    /// <exception cref="TreeFormatException">A node on the way is malformed.</exception>
    public TreeEntry? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var slash = path.LastIndexOf('/');
        var parent = slash < 0 ? string.Empty : path[..slash];
        var name = path[(slash + 1)..];
        return name.Length > 0 && TryDirectory(parent) is { } directory && directory.ByName.TryGetValue(name, out var entry) ? entry : null;
    }

    /// <summary>The entries of the directory at <paramref name="path"/> (<c>""</c> for the root), in name order.</summary>
    /// <exception cref="DirectoryNotFoundException">No directory is at that path.</exception>
    public IReadOnlyList<TreeEntry> List(string path) =>
        (TryDirectory(path) ?? throw new DirectoryNotFoundException($"\"{path}\" is not a directory of tree {Root}.")).Node.Entries;

    private Directory? TryDirectory(string path)
    {
        lock (_sync)
        {
            if (_directories.TryGetValue(path, out var known))
            {
                return known;
            }
        }

        if (path.Length == 0)
        {
            return DirectoryAt(string.Empty);
        }

        var slash = path.LastIndexOf('/');
        var parent = TryDirectory(slash < 0 ? string.Empty : path[..slash]);
        return parent is not null && parent.ByName.TryGetValue(path[(slash + 1)..], out var entry) && entry.Kind == TreeEntryKind.Directory
            ? Load(path, entry.Digest!.Value)
            : null;
    }

    private Directory DirectoryAt(string path)
    {
        lock (_sync)
        {
            if (_directories.TryGetValue(path, out var known))
            {
                return known;
            }
        }

        return Load(path, Root);
    }

    private Directory Load(string path, Digest digest)
    {
        var node = ContextTree.ReadNode(_store, Root, digest, path);
        Interlocked.Increment(ref _nodesRead);
        var directory = new Directory(node);
        lock (_sync)
        {
            // Another thread may have loaded it meanwhile: the nodes are identical, keep the first.
            return _directories.TryAdd(path, directory) ? directory : _directories[path];
        }
    }

    private sealed class Directory(TreeNode node)
    {
        public TreeNode Node { get; } = node;

        public Dictionary<string, TreeEntry> ByName { get; } = node.Entries.ToDictionary(static entry => entry.Name, StringComparer.Ordinal);
    }
}
