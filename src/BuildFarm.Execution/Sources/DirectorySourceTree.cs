using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Execution.Internal;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Sources;

/// <summary>A <see cref="SourceTree"/> on a host directory: a stage's mounted root, or a context on disk.</summary>
public sealed class DirectorySourceTree : SourceTree
{
    // The one extended attribute a layer carries (see the layer scanner), so the one a checksum counts.
    private const string CapabilityXattr = "security.capability";
    // What a stage's merged root may show of overlayfs' own bookkeeping is never copied.
    private const string OverlayXattrPrefix = "trusted.overlay.";

    internal DirectorySourceTree(string root, DockerIgnore ignore, FileDigestCache digests, bool keepsOwners)
        : base(ignore, keepsOwners)
    {
        Root = Path.GetFullPath(root);
        Digests = digests;
        if (!Directory.Exists(Root))
        {
            throw new DirectoryNotFoundException($"The source root '{Root}' does not exist.");
        }
    }

    /// <summary>The host directory that plays <c>/</c>.</summary>
    public string Root { get; }

    public override string Description => $"'{Root}'";

    internal FileDigestCache Digests { get; }

    internal string HostPath(string relativePath) => relativePath.Length == 0 ? Root : Path.Join(Root, relativePath);

    internal override FileStatus? TryStatus(string relativePath) => LibC.TryLStat(HostPath(relativePath));

    internal override List<string> ListNames(string relativeDirectory)
    {
        var names = new DirectoryInfo(HostPath(relativeDirectory))
            .EnumerateFileSystemInfos()
            .Select(entry => entry.Name)
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    internal override string ReadLink(string relativePath) =>
        new FileInfo(HostPath(relativePath)).LinkTarget
        ?? throw new IOException($"'{relativePath}' in '{Root}' is no longer a symbolic link.");

    internal override Digest ContentDigest(string relativePath, FileStatus status) => Digests.ContentDigest(Root, relativePath, status);

    // Opened confined to the root: should the path have been swapped for a symlink since it was
    // resolved, the kernel still resolves it inside the root.
    internal override Stream OpenRead(string relativePath) =>
        new FileStream(
            LinuxCalls.OpenReadInRoot(Root, relativePath)
                ?? throw new FileNotFoundException($"'{relativePath}' disappeared from '{Root}' while it was being read."),
            FileAccess.Read,
            bufferSize: 0);

    internal override IReadOnlyList<(string Name, byte[] Value)> ExtendedAttributes(string relativePath)
    {
        var hostPath = HostPath(relativePath);
        var attributes = new List<(string, byte[])>();
        foreach (var name in LinuxCalls.ListXattrs(hostPath))
        {
            if (!name.StartsWith(OverlayXattrPrefix, StringComparison.Ordinal) && LibC.GetXattr(hostPath, name) is { } value)
            {
                attributes.Add((name, value));
            }
        }

        return attributes;
    }

    internal override byte[]? Capability(string relativePath) => LibC.GetXattr(HostPath(relativePath), CapabilityXattr);
}
