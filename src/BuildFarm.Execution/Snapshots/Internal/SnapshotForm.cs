using BuildFarm.Execution.Internal;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Snapshots.Internal;

/// <summary>
/// Turns a directory that a layer was just written from into exactly the tree
/// <see cref="LayerApplier"/> unpacks from that layer in <see cref="LayerApplyMode.OverlayLower"/>
/// mode, or tells why it cannot, before changing anything.
/// </summary>
/// <remarks>
/// What the layer writer reads of a tree is kept as it is: types, modes, owners, content, link
/// targets and hard links within the tree. What it reads differently from how the applier
/// writes it is made the applier's way:
/// <list type="bullet">
/// <item>times: the modification time clamped to <c>SOURCE_DATE_EPOCH</c> in whole seconds,
/// the access time the same (the applier sets both from the tar header);</item>
/// <item>xattrs: only those the layer carries stay, <c>security.capability</c> on regular files
/// and, in an upper dir, <c>trusted.overlay.opaque=y</c> on opaque directories (also those
/// marked with <c>user.overlay.opaque</c>); overlayfs' bookkeeping (origin, impure, uuid, ...)
/// and any other xattr go, as the writer leaves them out;</item>
/// <item>whiteouts of an upper dir: overlayfs links them all to one shared inode; each becomes
/// a 0/0 character device of its own, as the applier makes them;</item>
/// <item>sockets, which the writer skips, are removed;</item>
/// <item>the root: every snapshot root gets the same fixed metadata (<see cref="FixRoot"/>).</item>
/// </list>
/// Refused, because the applier would make something else of them: a name that the layer turns
/// into a whiteout (<c>.wh.*</c>) or that is not valid UTF-8 (the writer cannot name it
/// exactly), a symlink target that is not valid UTF-8, and a file with hard links outside the
/// tree (its times are not the tree's to change, and the applier gives it no such links).
/// </remarks>
internal static class SnapshotForm
{
    /// <summary>The mode of every snapshot's root directory.</summary>
    public const int RootMode = 0b111_101_101;

    private const string CapabilityXattr = "security.capability";

    // What .NET decodes a byte that is not UTF-8 to: the writer would name such a file otherwise.
    private const char NotUtf8 = '\uFFFD';

    /// <summary>
    /// Normalises <paramref name="root"/> in place; null when done, else why it cannot be
    /// (the tree is then unchanged).
    /// </summary>
    /// <param name="source">What the layer was written from, as the writer was told.</param>
    /// <param name="clampSeconds">The writer's <c>SOURCE_DATE_EPOCH</c> in seconds, if it clamped times.</param>
    public static string? TryNormalise(string root, LayerSource source, long? clampSeconds)
    {
        var entries = new List<Entry>();
        if (Inspect(root, string.Empty, source, entries) is { } refusal)
        {
            return refusal;
        }

        if (LinkedOutside(entries) is { } outside)
        {
            return $"'{outside}' has hard links outside the layer's tree";
        }

        foreach (var entry in entries.Where(static entry => entry.Kind == EntryKind.Socket))
        {
            File.Delete(entry.Path);
        }

        // Directories last, deepest first: recreating whiteouts and removing sockets changes theirs.
        foreach (var entry in entries.Where(static entry => entry.Kind is not (EntryKind.Socket or EntryKind.Directory)))
        {
            if (entry.Kind == EntryKind.Whiteout)
            {
                File.Delete(entry.Path);
                LibC.MakeNode(entry.Path, FileStatus.TypeCharacter, 0, 0);
            }
            else
            {
                KeepOnlyLayerXattrs(entry.Path, entry.Kind == EntryKind.RegularFile ? [CapabilityXattr] : [], setOpaque: false);
            }

            LibC.SetTimes(entry.Path, Clamp(entry.Status.ModificationSeconds, clampSeconds));
        }

        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i] is { Kind: EntryKind.Directory } directory)
            {
                var opaque = source == LayerSource.OverlayUpper && IsOpaque(directory.Path);
                KeepOnlyLayerXattrs(directory.Path, [], setOpaque: opaque);
                LibC.SetTimes(directory.Path, Clamp(directory.Status.ModificationSeconds, clampSeconds));
            }
        }

        FixRoot(root);
        return null;
    }

    /// <summary>
    /// Gives a snapshot root fixed metadata: mode 0755, owner 0:0, no xattrs, time 0. overlayfs
    /// takes the merged root's metadata from the upper dir, so a lower root's never shows; fixed,
    /// it does not tell an unpacked snapshot from a promoted one.
    /// </summary>
    public static void FixRoot(string root)
    {
        LibC.LChown(root, 0, 0);
        LibC.Chmod(root, RootMode);
        KeepOnlyLayerXattrs(root, [], setOpaque: false);
        LibC.SetTimes(root, 0);
    }

    private static string? Inspect(string directory, string relative, LayerSource source, List<Entry> entries)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = Path.GetFileName(path);
            var archivePath = relative.Length == 0 ? name : $"{relative}/{name}";
            if (name.StartsWith(Whiteouts.Prefix, StringComparison.Ordinal))
            {
                return $"'{archivePath}' is named like a whiteout, which the layer turns into a deletion";
            }

            if (name.Contains(NotUtf8, StringComparison.Ordinal))
            {
                return $"the name '{archivePath}' is not valid UTF-8";
            }

            var status = LibC.LStat(path);
            var kind = KindOf(status, source);
            if (kind == EntryKind.Symlink && new FileInfo(path).LinkTarget is { } target && target.Contains(NotUtf8, StringComparison.Ordinal))
            {
                return $"the target of the symlink '{archivePath}' is not valid UTF-8";
            }

            entries.Add(new Entry(path, archivePath, status, kind));
            if (kind == EntryKind.Directory && Inspect(path, archivePath, source, entries) is { } refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    private static EntryKind KindOf(FileStatus status, LayerSource source) => status.Type switch
    {
        FileStatus.TypeDirectory => EntryKind.Directory,
        FileStatus.TypeRegular => EntryKind.RegularFile,
        FileStatus.TypeSymlink => EntryKind.Symlink,
        FileStatus.TypeSocket => EntryKind.Socket,
        FileStatus.TypeCharacter when source == LayerSource.OverlayUpper && status.IsOverlayWhiteout => EntryKind.Whiteout,
        _ => EntryKind.Node,
    };

    /// <summary>The first path of a file whose link count is more than its paths in the tree, or null.</summary>
    private static string? LinkedOutside(List<Entry> entries)
    {
        var linked = entries
            .Where(static entry => entry.Kind is not (EntryKind.Directory or EntryKind.Whiteout or EntryKind.Socket) && entry.Status.LinkCount > 1)
            .GroupBy(static entry => (entry.Status.DevMajor, entry.Status.DevMinor, entry.Status.Inode));
        return linked.FirstOrDefault(static group => group.Count() != group.First().Status.LinkCount)?.First().ArchivePath;
    }

    private static void KeepOnlyLayerXattrs(string path, string[] kept, bool setOpaque)
    {
        foreach (var name in LinuxCalls.ListXattrs(path))
        {
            if (!kept.Contains(name, StringComparer.Ordinal) && !(setOpaque && name == Whiteouts.OverlayOpaqueXattr))
            {
                LinuxCalls.RemoveXattr(path, name);
            }
        }

        if (setOpaque)
        {
            LibC.SetXattr(path, Whiteouts.OverlayOpaqueXattr, "y"u8);
        }
    }

    /// <summary>What the layer writer takes for an opaque directory.</summary>
    private static bool IsOpaque(string directory) =>
        LibC.GetXattr(directory, Whiteouts.OverlayOpaqueXattr) is [(byte)'y'] || LibC.GetXattr(directory, Whiteouts.OverlayUserOpaqueXattr) is [(byte)'y'];

    private static long Clamp(long seconds, long? clampSeconds) => clampSeconds is { } clamp ? Math.Min(seconds, clamp) : seconds;

    private enum EntryKind
    {
        Directory,
        RegularFile,
        Symlink,
        Whiteout,
        Socket,

        /// <summary>A device or fifo.</summary>
        Node,
    }

    private sealed record Entry(string Path, string ArchivePath, FileStatus Status, EntryKind Kind);
}
