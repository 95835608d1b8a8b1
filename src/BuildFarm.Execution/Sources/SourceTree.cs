using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Sources;

/// <summary>
/// A directory read as if it were <c>/</c>: the build context or a stage's root file system.
/// Every path is resolved inside it: <c>..</c> stops at the root and symlinks, absolute or
/// relative, are followed as the same link would be inside a container with this root, so
/// nothing outside the directory is ever read. The context also hides what <c>.dockerignore</c> excludes.
/// </summary>
public sealed class SourceTree
{
    // Linux's own limit (MAXSYMLINKS): a loop of links fails instead of spinning.
    private const int MaxLinkFollows = 40;

    private SourceTree(string root, DockerIgnore ignore, FileDigestCache digests, bool keepsOwners)
    {
        Root = Path.GetFullPath(root);
        Ignore = ignore;
        Digests = digests;
        KeepsOwners = keepsOwners;
        if (!Directory.Exists(Root))
        {
            throw new DirectoryNotFoundException($"The source root '{Root}' does not exist.");
        }
    }

    /// <summary>The host directory that plays <c>/</c>.</summary>
    public string Root { get; }

    internal DockerIgnore Ignore { get; }

    internal FileDigestCache Digests { get; }

    /// <summary>
    /// False for the context: BuildKit's client sends it with every uid and gid reset to 0, so the
    /// owner a file has on the client's disk never reaches an image. A stage's files keep theirs.
    /// </summary>
    public bool KeepsOwners { get; }

    /// <summary>The build context directory, with its <c>.dockerignore</c> applied.</summary>
    public static SourceTree ForContext(string directory, DockerIgnore ignore, FileDigestCache digests) =>
        new(directory, ignore, digests, keepsOwners: false);

    /// <summary>A stage's root file system: nothing is ignored.</summary>
    public static SourceTree ForRootFileSystem(string directory, FileDigestCache digests) =>
        new(directory, DockerIgnore.Empty, digests, keepsOwners: true);

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
            var status = resolved.Count > missingFrom ? null : LibC.TryLStat(HostPath(candidate));
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

    internal string HostPath(string relativePath) => relativePath.Length == 0 ? Root : Path.Join(Root, relativePath);

    internal FileStatus Status(string relativePath) =>
        LibC.TryLStat(HostPath(relativePath))
        ?? throw new FileNotFoundException($"'{relativePath}' disappeared from '{Root}' while it was being read.");

    /// <summary>The names in a resolved directory, in ordinal order, whatever order the file system lists them.</summary>
    /// <summary>The owner an entry counts with: its own, or root's in the context (see <see cref="KeepsOwners"/>).</summary>
    internal (uint Uid, uint Gid) OwnerOf(FileStatus status) => KeepsOwners ? (status.Uid, status.Gid) : (0, 0);

    internal List<string> ListNames(string relativeDirectory)
    {
        var names = new DirectoryInfo(HostPath(relativeDirectory))
            .EnumerateFileSystemInfos()
            .Select(entry => entry.Name)
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    internal string ReadLink(string relativePath) =>
        new FileInfo(HostPath(relativePath)).LinkTarget
        ?? throw new IOException($"'{relativePath}' in '{Root}' is no longer a symbolic link.");

    internal static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".");
}
