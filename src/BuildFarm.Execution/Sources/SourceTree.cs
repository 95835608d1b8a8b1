using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Execution.Sources;

/// <summary>
/// A file tree read as if it were <c>/</c>: the build context (a content tree the client sent, or a
/// directory) or a stage's root file system. Every path is resolved inside it: <c>..</c> stops at
/// the root and symlinks, absolute or relative, are followed as the same link would be inside a
/// container with this root, so nothing outside the tree is ever read. The context also hides what
/// <c>.dockerignore</c> excludes.
/// </summary>
public abstract class SourceTree
{
    // Linux's own limit (MAXSYMLINKS): a loop of links fails instead of spinning.
    private const int MaxLinkFollows = 40;

    private protected SourceTree(DockerIgnore ignore, bool keepsOwners)
    {
        Ignore = ignore;
        KeepsOwners = keepsOwners;
    }

    internal DockerIgnore Ignore { get; }

    /// <summary>
    /// False for the context: BuildKit's client sends it with every uid and gid reset to 0, so the
    /// owner a file has on the client's disk never reaches an image. A stage's files keep theirs.
    /// </summary>
    public bool KeepsOwners { get; }

    /// <summary>How errors name the tree: a host directory, or the content tree by its root digest.</summary>
    public abstract string Description { get; }

    /// <summary>The build context directory, with its <c>.dockerignore</c> applied.</summary>
    public static DirectorySourceTree ForContext(string directory, DockerIgnore ignore, FileDigestCache digests) =>
        new DirectorySourceTree(directory, ignore, digests, keepsOwners: false);

    /// <summary>A stage's root file system: nothing is ignored.</summary>
    public static DirectorySourceTree ForRootFileSystem(string directory, FileDigestCache digests) =>
        new DirectorySourceTree(directory, DockerIgnore.Empty, digests, keepsOwners: true);

    /// <summary>
    /// The build context as the client sent it: a content tree in the store, read node by node as
    /// paths need it. File checksums are the digests the tree names, so nothing is hashed again,
    /// and content is read from the store only when a step that runs copies it.
    /// </summary>
    /// <param name="fileTime">The modification time its entries show (the tree keeps none): the build's start, as a fresh copy of the files would have.</param>
    /// <param name="reads">Counts the files whose content is read.</param>
    public static SourceTree ForContentTree(TreeView tree, ContentStore store, DockerIgnore ignore, DateTimeOffset fileTime, ContextReads reads) =>
        new ContentSourceTree(tree, store, ignore, fileTime, reads);

    /// <summary>
    /// Resolves <paramref name="path"/> (absolute or relative to the root, the same thing here)
    /// to the root-relative path it names, following every symlink on the way inside the root,
    /// the last component included. Null when it does not exist or is ignored. <c>""</c> is the root.
    /// </summary>
    /// <exception cref="IOException">A chain of more than 40 symlinks (a loop).</exception>
    public string? Resolve(string path)
    {
        // Only the end is checked: an ignored directory may still hold a re-included (!) path.
        var result = Walk(path, allowMissing: false);
        return result is null || IsIgnored(result) ? null : result;
    }

    /// <summary>
    /// Where <paramref name="path"/> leads inside the root, the way continuity's <c>fs.RootPath</c>
    /// resolves a COPY destination: every symlink that exists on the way is followed inside the
    /// root, the last component included, and from the first missing component on the rest is
    /// taken as written, naming what a copy would create.
    /// </summary>
    /// <exception cref="IOException">A file is used as a directory, or a symlink loop.</exception>
    internal string ResolveForWriting(string path) => Walk(path, allowMissing: true)!;

    private string? Walk(string path, bool allowMissing)
    {
        var pending = new Stack<string>(Components(path).Reverse());
        var resolved = new List<string>();
        var follows = 0;
        var missingFrom = int.MaxValue; // index in resolved of the first component that does not exist
        while (pending.TryPop(out var component))
        {
            if (component == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                missingFrom = resolved.Count > missingFrom ? missingFrom : int.MaxValue;
                continue;
            }

            var candidate = string.Join('/', [.. resolved, component]);
            var status = resolved.Count > missingFrom ? null : TryStatus(candidate);
            if (status is null)
            {
                if (!allowMissing)
                {
                    return null;
                }

                missingFrom = Math.Min(missingFrom, resolved.Count);
                resolved.Add(component);
                continue;
            }

            if (status.Value.IsSymlink)
            {
                if (++follows > MaxLinkFollows)
                {
                    throw new IOException($"Cannot resolve \"{path}\": too many levels of symbolic links.");
                }

                var target = ReadLink(candidate);
                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                foreach (var part in Components(target).Reverse())
                {
                    pending.Push(part);
                }

                continue;
            }

            if (!status.Value.IsDirectory && pending.Count > 0)
            {
                // ENOTDIR: COPY reports a source as not found, but cannot write below a file.
                return allowMissing ? throw new IOException($"Cannot resolve \"{path}\": /{candidate} is not a directory.") : null;
            }

            resolved.Add(component);
        }

        return string.Join('/', resolved);
    }

    /// <summary>Whether <c>.dockerignore</c> hides a root-relative path.</summary>
    internal bool IsIgnored(string relativePath) => relativePath.Length > 0 && Ignore.IsIgnored(relativePath);

    internal FileStatus Status(string relativePath) =>
        TryStatus(relativePath)
        ?? throw new FileNotFoundException($"'{relativePath}' disappeared from {Description} while it was being read.");

    /// <summary>The owner an entry counts with: its own, or root's in the context (see <see cref="KeepsOwners"/>).</summary>
    internal (uint Uid, uint Gid) OwnerOf(FileStatus status) => KeepsOwners ? (status.Uid, status.Gid) : (0, 0);

    /// <summary>What an entry is, without following a final symlink; null when nothing is there.</summary>
    internal abstract FileStatus? TryStatus(string relativePath);

    /// <summary>The names in a resolved directory, in ordinal order, whatever order the file system lists them.</summary>
    internal abstract List<string> ListNames(string relativeDirectory);

    internal abstract string ReadLink(string relativePath);

    /// <summary>The sha256 of a regular file's content.</summary>
    internal abstract Digest ContentDigest(string relativePath, FileStatus status);

    /// <summary>A regular file's content, opened so that nothing outside the tree can be reached through it.</summary>
    internal abstract Stream OpenRead(string relativePath);

    /// <summary>The extended attributes an entry carries into a copy (never overlayfs' own).</summary>
    internal abstract IReadOnlyList<(string Name, byte[] Value)> ExtendedAttributes(string relativePath);

    /// <summary>The <c>security.capability</c> attribute of a file, the one a layer and a checksum keep.</summary>
    internal abstract byte[]? Capability(string relativePath);

    internal static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".");
}
