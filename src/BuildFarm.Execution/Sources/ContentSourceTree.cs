using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Execution.Sources;

/// <summary>
/// A <see cref="SourceTree"/> on a content tree in the store: the build context as the client sent
/// it. Nothing of it is on disk as files; entries come from its nodes, a file's checksum is the
/// digest its entry names, and content is read from the store (verified as it is read) only when
/// a step that runs copies it.
/// </summary>
internal sealed class ContentSourceTree : SourceTree
{
    // The root has no entry of its own in a tree: it shows as a directory made for the build would.
    private const int RootMode = 0b111_101_101;

    private readonly TreeView _tree;
    private readonly ContentStore _store;
    private readonly ContextReads _reads;
    private readonly long _seconds;
    private readonly uint _nanoseconds;

    public ContentSourceTree(TreeView tree, ContentStore store, DockerIgnore ignore, DateTimeOffset fileTime, ContextReads reads)
        : base(ignore, keepsOwners: false)
    {
        _tree = tree;
        _store = store;
        _reads = reads;
        var ticks = fileTime.ToUnixTimeMilliseconds();
        _seconds = ticks / 1000;
        _nanoseconds = (uint)(ticks % 1000 * 1_000_000);
    }

    public override string Description => "the build context";

    public TreeView Tree => _tree;

    internal override FileStatus? TryStatus(string relativePath)
    {
        if (relativePath.Length == 0)
        {
            return Status(FileStatus.TypeDirectory | RootMode, 0, 0, _tree.RootSize);
        }

        return _tree.Find(relativePath) is { } entry ? StatusOf(entry) : null;
    }

    internal override List<string> ListNames(string relativeDirectory) =>
        [.. _tree.List(relativeDirectory).Select(static entry => entry.Name)];

    internal override string ReadLink(string relativePath) =>
        _tree.Find(relativePath) is { Kind: TreeEntryKind.Symlink, LinkTarget: { } target }
            ? target
            : throw new IOException($"'{relativePath}' in the build context is not a symbolic link.");

    internal override Digest ContentDigest(string relativePath, FileStatus status) => FileEntry(relativePath).Digest!.Value;

    internal override Stream OpenRead(string relativePath)
    {
        var entry = FileEntry(relativePath);
        try
        {
            var content = _store.OpenRead(entry.Digest!.Value);
            _reads.Count();
            return content;
        }
        catch (BlobNotFoundException ex)
        {
            throw new TreeBlobMissingException(_tree.Root, entry.Digest!.Value, relativePath, ex);
        }
    }

    // A tree keeps no extended attributes: what a copy from the context gets is mode and owner alone.
    internal override IReadOnlyList<(string Name, byte[] Value)> ExtendedAttributes(string relativePath) => [];

    internal override byte[]? Capability(string relativePath) => null;

    private TreeEntry FileEntry(string relativePath) =>
        _tree.Find(relativePath) is { Kind: TreeEntryKind.File } entry
            ? entry
            : throw new FileNotFoundException($"'{relativePath}' is not a file of the build context.");

    private FileStatus StatusOf(TreeEntry entry)
    {
        var type = entry.Kind switch
        {
            TreeEntryKind.Directory => FileStatus.TypeDirectory,
            TreeEntryKind.Symlink => FileStatus.TypeSymlink,
            _ => FileStatus.TypeRegular,
        };
        return Status(type | (uint)entry.Mode, entry.Uid, entry.Gid, entry.Kind == TreeEntryKind.Symlink ? System.Text.Encoding.UTF8.GetByteCount(entry.LinkTarget!) : entry.Size);
    }

    // No inode and one link each: a tree has no hard links, so a copy makes none.
    private FileStatus Status(uint mode, uint uid, uint gid, long size) =>
        new(mode, uid, gid, size, Inode: 0, DevMajor: 0, DevMinor: 0, RdevMajor: 0, RdevMinor: 0, LinkCount: 1, _seconds, _nanoseconds, _seconds, _nanoseconds);
}
