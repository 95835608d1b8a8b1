using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Client.Context.Internal;

/// <summary>
/// Walks a build context into a content tree. Entries are read with lstat and never followed:
/// a symlink becomes a link entry, so nothing outside the context is read. <c>.dockerignore</c>
/// prunes what it ignores, except the Dockerfile and the ignore file themselves, which are always
/// sent, as docker's client does; an ignored directory is entered only when an exception could
/// bring something below it back.
/// </summary>
internal sealed class ContextWalker
{
    private readonly string _root;
    private readonly DockerIgnore _ignore;
    private readonly PathSelection? _selection;
    private readonly string[] _alwaysSent;
    private readonly DigestCacheFile _digests;
    private readonly CancellationToken _cancellationToken;
    private readonly Dictionary<Digest, ContextBlob> _blobs = [];
    private readonly List<string> _skipped = [];
    private int _files;
    private int _directories;
    private int _symlinks;

    private ContextWalker(string root, DockerIgnore ignore, PathSelection? selection, string[] alwaysSent, DigestCacheFile digests, CancellationToken cancellationToken)
    {
        _root = root;
        _ignore = ignore;
        _selection = selection;
        _alwaysSent = alwaysSent;
        _digests = digests;
        _cancellationToken = cancellationToken;
    }

    public static ContextSnapshot Snapshot(ContextSnapshotOptions options, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(options.ContextDirectory);
        if (!(LibC.TryLStat(root) is { IsDirectory: true }))
        {
            throw new DirectoryNotFoundException($"The build context '{root}' is not a directory.");
        }

        var dockerfile = options.ResolvedDockerfilePath;
        var ignore = DockerIgnore.Load(root, dockerfile);
        var dockerfileInContext = InContext(root, dockerfile);
        string[] alwaysSent = [.. new[] { dockerfileInContext, InContext(root, DockerIgnore.Locate(root, dockerfile)) }.OfType<string>()];

        var selection = default(PathSelection);
        var fallback = default(string);
        if (options.OnlyPathsTheDockerfileReads)
        {
            selection = PathSelection.FromDockerfile(options, out var reason);
            fallback = selection is null ? reason : null;
        }

        var digests = DigestCacheFile.Load(options.DigestCacheFile);
        ContextWalker walker;
        TreeNode node;
        try
        {
            walker = new ContextWalker(root, ignore, selection, alwaysSent, digests, cancellationToken);
            node = walker.WalkRoot();
        }
        catch (SymlinkOnReadPathException ex)
        {
            // COPY would follow that link, possibly anywhere in the context: send all of it.
            fallback = ex.Message;
            selection = null;
            walker = new ContextWalker(root, ignore, selection: null, alwaysSent, digests, cancellationToken);
            node = walker.WalkRoot();
        }

        digests.Save(root);
        var counts = new ContextWalkCounts(walker._files, walker._directories, walker._symlinks, digests.FilesHashed, walker._skipped);
        return new ContextSnapshot(node.Digest, node.Bytes.Length, [.. walker._blobs.Values], counts, selection?.Paths, fallback, dockerfileInContext);
    }

    private TreeNode WalkRoot()
    {
        _directories++;
        return Node(string.Empty, WalkDirectory(string.Empty, _selection is null ? PathReach.Inside : PathReach.OnTheWay));
    }

    /// <summary>The entries to send from one directory; <paramref name="reach"/> is the directory's own.</summary>
    private List<TreeEntry> WalkDirectory(string relativeDirectory, PathReach reach)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var entries = new List<TreeEntry>();
        foreach (var name in ListNames(relativeDirectory))
        {
            var relative = relativeDirectory.Length == 0 ? name : relativeDirectory + "/" + name;
            var status = LibC.TryLStat(Path.Join(_root, relative));
            if (status is not { } found)
            {
                continue; // removed while the walk ran
            }

            if (Entry(relative, name, found, ChildReach(relative, reach)) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private TreeEntry? Entry(string relative, string name, FileStatus status, PathReach reach)
    {
        if (reach == PathReach.Unread)
        {
            return null;
        }

        if (status.IsSymlink && reach is PathReach.OnTheWay or PathReach.Named)
        {
            throw new SymlinkOnReadPathException(relative);
        }

        var ignored = _ignore.IsIgnored(relative) && !_alwaysSent.Contains(relative, StringComparer.Ordinal);
        if (status.IsDirectory)
        {
            if (ignored && !_ignore.CouldReincludeUnder(relative) && !LeadsToAlwaysSent(relative))
            {
                return null;
            }

            var children = WalkDirectory(relative, reach);
            // Sent for its own sake, or only as the way to something below it that is sent.
            if ((ignored || reach == PathReach.OnTheWay) && children.Count == 0)
            {
                return null;
            }

            _directories++;
            return Node(relative, children).AsDirectory(name, status.Permissions, status.Uid, status.Gid);
        }

        if (ignored || reach == PathReach.OnTheWay)
        {
            return null;
        }

        if (status.IsRegular)
        {
            _files++;
            var hostPath = Path.Join(_root, relative);
            var (digest, size) = _digests.Get(hostPath, relative, status);
            _blobs.TryAdd(digest, ContextBlob.ForFile(digest, size, relative, hostPath));
            return TreeEntry.File(name, status.Permissions, status.Uid, status.Gid, size, digest);
        }

        if (status.IsSymlink)
        {
            _symlinks++;
            var target = new FileInfo(Path.Join(_root, relative)).LinkTarget
                ?? throw new IOException($"The context path \"{relative}\" stopped being a symlink while it was read.");
            return TreeEntry.Symlink(name, status.Permissions, status.Uid, status.Gid, target);
        }

        _skipped.Add(relative);
        return null;
    }

    private PathReach ChildReach(string relative, PathReach parentReach)
    {
        if (_selection is null || parentReach is PathReach.Inside or PathReach.Named || _alwaysSent.Contains(relative, StringComparer.Ordinal))
        {
            return PathReach.Inside;
        }

        var reach = _selection.Reach(relative);
        return reach == PathReach.Unread && LeadsToAlwaysSent(relative) ? PathReach.OnTheWay : reach;
    }

    private bool LeadsToAlwaysSent(string relativeDirectory) =>
        _alwaysSent.Any(path => path.StartsWith(relativeDirectory + "/", StringComparison.Ordinal));

    private TreeNode Node(string relative, List<TreeEntry> entries)
    {
        var node = TreeNode.Create(entries);
        _blobs.TryAdd(node.Digest, ContextBlob.ForNode(node.Digest, node.Bytes, relative));
        return node;
    }

    private List<string> ListNames(string relativeDirectory)
    {
        var names = new DirectoryInfo(Path.Join(_root, relativeDirectory))
            .EnumerateFileSystemInfos()
            .Select(static entry => entry.Name)
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>The slash-separated path of <paramref name="hostPath"/> inside the context, or null when it lies outside.</summary>
    private static string? InContext(string root, string? hostPath)
    {
        if (hostPath is null)
        {
            return null;
        }

        var relative = Path.GetRelativePath(root, Path.GetFullPath(hostPath));
        return relative is "." or ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? null : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private sealed class SymlinkOnReadPathException(string relative)
        : Exception($"the Dockerfile reads through the symlink \"{relative}\", which may lead anywhere in the context");
}
