using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>
/// Lists a directory tree as the tar entries of a layer, in the order they are written: sorted
/// by path bytes, hard links pointing at the first path (in that order) of their inode.
/// </summary>
internal static class DirectoryScanner
{
    private const string CapabilityXattr = "security.capability";

    public static List<LayerEntry> Scan(string root, LayerSource source, long? clampSeconds)
    {
        if (!LibC.LStat(root).IsDirectory)
        {
            throw new DirectoryNotFoundException($"'{root}' is not a directory.");
        }

        var entries = new List<LayerEntry>();
        Walk(root, relative: string.Empty, source, clampSeconds, entries);
        entries.Sort(static (a, b) => Utf8PathComparer.Instance.Compare(a.SortKey, b.SortKey));
        LinkSharedInodes(entries);
        return entries;
    }

    private static void Walk(string directory, string relative, LayerSource source, long? clampSeconds, List<LayerEntry> entries)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = Path.GetFileName(path);
            var archivePath = relative.Length == 0 ? name : $"{relative}/{name}";
            var status = LibC.LStat(path);
            var mtime = clampSeconds is { } clamp ? Math.Min(status.ModificationSeconds, clamp) : status.ModificationSeconds;
            if (source == LayerSource.OverlayUpper && status.IsOverlayWhiteout)
            {
                var whiteout = relative.Length == 0 ? Whiteouts.Prefix + name : $"{relative}/{Whiteouts.Prefix}{name}";
                entries.Add(new LayerEntry(new TarHeader { Name = whiteout, Kind = TarEntryKind.RegularFile, ModificationTime = mtime }, null));
                continue;
            }

            var header = new TarHeader
            {
                Name = archivePath,
                Mode = status.Permissions,
                Uid = status.Uid,
                Gid = status.Gid,
                ModificationTime = mtime,
            };
            string? contentPath = null;
            switch (status.Type)
            {
                case FileStatus.TypeDirectory:
                    header.Kind = TarEntryKind.Directory;
                    header.Name += "/";
                    break;
                case FileStatus.TypeRegular:
                    header.Kind = TarEntryKind.RegularFile;
                    header.Size = status.Size;
                    contentPath = status.Size > 0 ? path : null;
                    if (LibC.GetXattr(path, CapabilityXattr) is { } capability)
                    {
                        header.Xattrs[CapabilityXattr] = capability;
                    }

                    break;
                case FileStatus.TypeSymlink:
                    header.Kind = TarEntryKind.SymbolicLink;
                    header.LinkName = new FileInfo(path).LinkTarget ?? string.Empty;
                    break;
                case FileStatus.TypeCharacter or FileStatus.TypeBlock:
                    header.Kind = status.Type == FileStatus.TypeCharacter ? TarEntryKind.CharacterDevice : TarEntryKind.BlockDevice;
                    header.DevMajor = (int)status.RdevMajor;
                    header.DevMinor = (int)status.RdevMinor;
                    break;
                case FileStatus.TypeFifo:
                    header.Kind = TarEntryKind.Fifo;
                    break;
                default:
                    // Sockets cannot be archived; Docker leaves them out too.
                    continue;
            }

            entries.Add(new LayerEntry(header, contentPath) { Status = status });
            if (header.Kind == TarEntryKind.Directory)
            {
                if (source == LayerSource.OverlayUpper && IsOpaque(path))
                {
                    entries.Add(new LayerEntry(new TarHeader { Name = $"{archivePath}/{Whiteouts.OpaqueMarker}", Kind = TarEntryKind.RegularFile, ModificationTime = mtime }, null));
                }

                Walk(path, archivePath, source, clampSeconds, entries);
            }
        }
    }

    private static bool IsOpaque(string directory) =>
        IsYes(LibC.GetXattr(directory, Whiteouts.OverlayOpaqueXattr)) || IsYes(LibC.GetXattr(directory, Whiteouts.OverlayUserOpaqueXattr));

    private static bool IsYes(byte[]? value) => value is [(byte)'y'];

    /// <summary>The second and later paths of an inode become hard links to the first, in entry order.</summary>
    private static void LinkSharedInodes(List<LayerEntry> entries)
    {
        var firstPathOfInode = new Dictionary<(uint, uint, ulong), string>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Status is not { LinkCount: > 1 } status || status.IsDirectory)
            {
                continue;
            }

            var inode = (status.DevMajor, status.DevMinor, status.Inode);
            if (!firstPathOfInode.TryAdd(inode, entry.Header.Name))
            {
                entry.Header.Kind = TarEntryKind.HardLink;
                entry.Header.LinkName = firstPathOfInode[inode];
                entry.Header.Size = 0;
                entry.Header.Xattrs.Clear();
                entries[i] = entry with { ContentPath = null };
            }
        }
    }
}
