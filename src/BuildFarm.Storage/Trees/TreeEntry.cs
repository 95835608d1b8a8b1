using BuildFarm.Oci;

namespace BuildFarm.Storage.Trees;

/// <summary>
/// One name in a directory of a content tree. Modification times are left out on purpose: a
/// tree's digest is the identity of its content, so a fresh checkout of the same files has the
/// same digest.
/// </summary>
/// <param name="Name">The name within its directory: not empty, not <c>.</c> or <c>..</c>, no <c>/</c> or NUL.</param>
/// <param name="Kind">File, directory or symlink.</param>
/// <param name="Mode">Permission bits with setuid, setgid and sticky (<c>0..0o7777</c>).</param>
/// <param name="Uid">Owner user id.</param>
/// <param name="Gid">Owner group id.</param>
/// <param name="Size">For a file, its length; for a directory, the length of its node blob; 0 for a symlink.</param>
/// <param name="Digest">The blob of a file's content or a directory's node; null for a symlink.</param>
/// <param name="LinkTarget">A symlink's target as written; null otherwise.</param>
public sealed record TreeEntry(string Name, TreeEntryKind Kind, int Mode, uint Uid, uint Gid, long Size, Digest? Digest, string? LinkTarget)
{
    public static TreeEntry File(string name, int mode, uint uid, uint gid, long size, Digest content) =>
        new(name, TreeEntryKind.File, mode, uid, gid, size, content, null);

    public static TreeEntry Directory(string name, int mode, uint uid, uint gid, long nodeSize, Digest node) =>
        new(name, TreeEntryKind.Directory, mode, uid, gid, nodeSize, node, null);

    public static TreeEntry Symlink(string name, int mode, uint uid, uint gid, string target) =>
        new(name, TreeEntryKind.Symlink, mode, uid, gid, 0, null, target);

    /// <summary>Why this entry cannot be part of a tree, or null when it can.</summary>
    internal string? Problem()
    {
        if (Name.Length == 0 || Name is "." or ".." || Name.Contains('/', StringComparison.Ordinal) || Name.Contains('\0', StringComparison.Ordinal))
        {
            return $"the name \"{Name}\" is not a single path component";
        }

        if (Mode is < 0 or > 0xFFF)
        {
            return $"\"{Name}\" has the mode {Mode}, outside 0..0o7777";
        }

        return Kind switch
        {
            TreeEntryKind.File or TreeEntryKind.Directory when Digest is null || Digest.Value.IsEmpty || LinkTarget is not null =>
                $"{Kind.ToString().ToLowerInvariant()} \"{Name}\" needs a digest and no link target",
            TreeEntryKind.File or TreeEntryKind.Directory when Size < 0 => $"\"{Name}\" has the negative size {Size}",
            TreeEntryKind.Symlink when string.IsNullOrEmpty(LinkTarget) || LinkTarget.Contains('\0', StringComparison.Ordinal) || Digest is not null || Size != 0 =>
                $"symlink \"{Name}\" needs a target (without NUL), no digest and size 0",
            TreeEntryKind.File or TreeEntryKind.Directory or TreeEntryKind.Symlink => null,
            _ => $"\"{Name}\" has the unknown kind {(int)Kind}",
        };
    }
}
