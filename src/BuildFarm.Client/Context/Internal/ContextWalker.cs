using System.Runtime.ExceptionServices;
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
/// <para>
/// The walk runs in three passes: the directory walk (lstat and ignore rules, one thread), the
/// hashing of the files the digest cache does not know (in parallel, as many as there are
/// processors), then the tree's nodes from the leaves up in the walk's order, so the snapshot is
/// the same whatever order the hashes finished in.
/// </para>
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
    private readonly List<PendingFile> _pendingFiles = [];
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
        string[] alwaysSent = [.. new[] { dockerfileInContext, LinkTargetInContext(root, dockerfile), InContext(root, DockerIgnore.Locate(root, dockerfile)) }.OfType<string>()];

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
        var children = WalkDirectory(string.Empty, _selection is null ? PathReach.Inside : PathReach.OnTheWay);
        HashFiles();
        return Build(string.Empty, children);
    }

    /// <summary>The entries to send from one directory; <paramref name="reach"/> is the directory's own.</summary>
    private List<PendingEntry> WalkDirectory(string relativeDirectory, PathReach reach)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var entries = new List<PendingEntry>();
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

    private PendingEntry? Entry(string relative, string name, FileStatus status, PathReach reach)
    {
        if (reach == PathReach.Unread)
        {
            return null;
        }

        // Also a link the Dockerfile names below a directory it copies whole (COPY foo / and COPY foo/sub bar):
        // the second COPY follows it.
        if (status.IsSymlink && (reach is PathReach.OnTheWay or PathReach.Named || _selection?.Reach(relative) is PathReach.OnTheWay or PathReach.Named))
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
            return new PendingDirectory(name, status, relative, children);
        }

        if (ignored || reach == PathReach.OnTheWay)
        {
            return null;
        }

        if (status.IsRegular)
        {
            _files++;
            var file = new PendingFile(name, status, relative, Path.Join(_root, relative));
            _pendingFiles.Add(file);
            return file;
        }

        if (status.IsSymlink)
        {
            _symlinks++;
            var target = new FileInfo(Path.Join(_root, relative)).LinkTarget
                ?? throw new IOException($"The context path \"{relative}\" stopped being a symlink while it was read.");
            return new PendingSymlink(TreeEntry.Symlink(name, status.Permissions, status.Uid, status.Gid, target));
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

    /// <summary>
    /// Hashes the files the digest cache does not know, as many at once as there are processors.
    /// When some fail, the first failure in walk order is thrown, whichever failed first in time.
    /// </summary>
    private void HashFiles()
    {
        var misses = new List<PendingFile>();
        foreach (var file in _pendingFiles)
        {
            file.Content = _digests.TryGetCached(file.HostPath, file.Status);
            if (file.Content is null)
            {
                misses.Add(file);
            }
        }

        var failures = new ExceptionDispatchInfo?[misses.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = _cancellationToken };
        Parallel.For(0, misses.Count, options, i =>
        {
            var file = misses[i];
            try
            {
                file.Content = DigestCacheFile.Hash(file.HostPath, file.Relative, file.Status);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures[i] = ExceptionDispatchInfo.Capture(e);
            }
        });
        failures.FirstOrDefault(static failure => failure is not null)?.Throw();
        foreach (var file in misses)
        {
            _digests.Record(file.HostPath, file.Status, file.Content!.Value.Digest);
        }
    }

    /// <summary>The node of a walked directory, its subdirectories' first; blobs are added in walk order.</summary>
    private TreeNode Build(string relative, List<PendingEntry> children)
    {
        var entries = new List<TreeEntry>(children.Count);
        foreach (var child in children)
        {
            entries.Add(child switch
            {
                PendingFile file => FileEntry(file),
                PendingDirectory directory => Build(directory.Relative, directory.Children).AsDirectory(directory.Name, directory.Status.Permissions, directory.Status.Uid, directory.Status.Gid),
                PendingSymlink link => link.Entry,
                _ => throw new InvalidOperationException($"unknown walked entry {child.GetType().Name}"),
            });
        }

        return Node(relative, entries);
    }

    private TreeEntry FileEntry(PendingFile file)
    {
        var (digest, size) = file.Content!.Value;
        _blobs.TryAdd(digest, ContextBlob.ForFile(digest, size, file.Relative, file.HostPath));
        return TreeEntry.File(file.Name, file.Status.Permissions, file.Status.Uid, file.Status.Gid, size, digest);
    }

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

    /// <summary>Where a Dockerfile that is a symlink leads, when that is in the context: the farm reads it through the link.</summary>
    private static string? LinkTargetInContext(string root, string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { } target ? InContext(root, target.FullName) : null;
        }
        catch (IOException)
        {
            return null; // a missing or looping link: the Dockerfile's own error says so
        }
    }

    private sealed class SymlinkOnReadPathException(string relative)
        : Exception($"the Dockerfile reads through the symlink \"{relative}\", which may lead anywhere in the context");

    /// <summary>An entry the directory walk kept, before its files are hashed.</summary>
    private abstract class PendingEntry;

    private sealed class PendingFile(string name, FileStatus status, string relative, string hostPath) : PendingEntry
    {
        public string Name { get; } = name;

        public FileStatus Status { get; } = status;

        public string Relative { get; } = relative;

        public string HostPath { get; } = hostPath;

        /// <summary>Set by the hashing pass, from the digest cache or the file.</summary>
        public (Digest Digest, long Size)? Content { get; set; }
    }

    private sealed class PendingDirectory(string name, FileStatus status, string relative, List<PendingEntry> children) : PendingEntry
    {
        public string Name { get; } = name;

        public FileStatus Status { get; } = status;

        public string Relative { get; } = relative;

        public List<PendingEntry> Children { get; } = children;
    }

    private sealed class PendingSymlink(TreeEntry entry) : PendingEntry
    {
        public TreeEntry Entry { get; } = entry;
    }
}
