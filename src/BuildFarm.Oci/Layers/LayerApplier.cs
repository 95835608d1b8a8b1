using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers.Internal;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layers;

/// <summary>
/// Unpacks a layer (tar, gzip or zstd; the compression is detected) into a directory, keeping
/// owners, modes (setuid, setgid, sticky), extended attributes, modification times and links.
/// Paths resolve as they would inside a container of the image, so a symlink in the layer can
/// redirect an entry only to somewhere inside the root; entries with '..', or that would pass
/// through a relative symlink pointing above the root, are refused with an error naming them.
/// Existing files are replaced, never written through, so a hard link to a file cannot be used
/// to change it.
/// </summary>
public static class LayerApplier
{
    private const int CopyBufferSize = 1 << 20;

    public static Task<LayerApplyResult> ApplyAsync(Stream layer, string root, LayerApplyMode mode = LayerApplyMode.Merge, CancellationToken cancellationToken = default) =>
        ApplyCoreAsync(layer, root, mode, archiveOwner: null, plainArchive: false, cancellationToken);

    /// <summary>
    /// Extracts a tar archive (as ADD does with a local archive) into <paramref name="root"/>, which
    /// plays the archive's <c>/</c>: the same confinement as a layer, but an entry named like a
    /// whiteout is an ordinary file (Docker's Untar knows no whiteouts), and with
    /// <paramref name="owner"/> every entry is given that owner instead of the archive's (ADD --chown).
    /// </summary>
    public static Task<LayerApplyResult> ExtractArchiveAsync(Stream archive, string root, (long Uid, long Gid)? owner, CancellationToken cancellationToken = default) =>
        ApplyCoreAsync(archive, root, LayerApplyMode.Merge, owner, plainArchive: true, cancellationToken);

    private static async Task<LayerApplyResult> ApplyCoreAsync(Stream layer, string root, LayerApplyMode mode, (long Uid, long Gid)? archiveOwner, bool plainArchive, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var resolver = new RootedPathResolver(root);
        var written = new HashSet<string>(StringComparer.Ordinal);
        var directoryTimes = new List<(string Path, long Seconds)>();
        var entryCount = 0;

        await using var uncompressed = await LayerCompressionStreams.DecompressDetectedAsync(layer, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using var diff = new DigestingStream(uncompressed, leaveOpen: true);
        await using (var reader = new TarArchiveReader(diff, leaveOpen: true))
        {
            while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } header)
            {
                entryCount++;
                var components = RootedPathResolver.Components(header.Name);
                if (components.Length == 0)
                {
                    continue; // the root itself: its metadata belongs to whoever made the root
                }

                var name = components[^1];
                var isDirectory = header.Kind == TarEntryKind.Directory;
                var parent = resolver.ResolveParent(header.Name, components, createMissing: true)!;
                if (!plainArchive && name.StartsWith(Whiteouts.Prefix, StringComparison.Ordinal))
                {
                    ApplyWhiteout(header, parent, name, mode, written);
                    continue;
                }

                var path = $"{parent}/{name}";
                ClearForNewEntry(path, isDirectory);
                await CreateAsync(header, path, resolver, reader.Content, cancellationToken).ConfigureAwait(false);
                if (archiveOwner is { } owner)
                {
                    (header.Uid, header.Gid) = owner;
                }

                SetMetadata(header, path);
                written.Add(path);
                if (isDirectory)
                {
                    directoryTimes.Add((path, header.ModificationTime));
                }
            }
        }

        // Creating entries inside a directory changes its mtime, so directories get theirs last, deepest first.
        for (var i = directoryTimes.Count - 1; i >= 0; i--)
        {
            LibC.SetTimes(directoryTimes[i].Path, directoryTimes[i].Seconds);
        }

        return new LayerApplyResult(diff.Digest, diff.BytesHashed, entryCount);
    }

    private static void ApplyWhiteout(TarHeader header, string parent, string name, LayerApplyMode mode, HashSet<string> written)
    {
        if (name == Whiteouts.OpaqueMarker)
        {
            if (mode == LayerApplyMode.OverlayLower)
            {
                LibC.SetXattr(parent, Whiteouts.OverlayOpaqueXattr, "y"u8);
                return;
            }

            // Only what the layers below put here goes; this layer's own entries stay.
            foreach (var child in Directory.EnumerateFileSystemEntries(parent).ToList())
            {
                if (!written.Contains(child))
                {
                    Remove(child);
                }
            }

            return;
        }

        if (name.StartsWith(Whiteouts.MetaPrefix, StringComparison.Ordinal))
        {
            return; // AUFS bookkeeping, not a deletion
        }

        var hidden = name[Whiteouts.Prefix.Length..];
        if (hidden.Length == 0 || hidden is "." or "..")
        {
            throw new InvalidDataException($"Layer entry '{header.Name}' is not a valid whiteout.");
        }

        var path = $"{parent}/{hidden}";
        if (written.Contains(path))
        {
            return; // a whiteout hides only what lower layers have
        }

        if (mode == LayerApplyMode.OverlayLower)
        {
            ClearForNewEntry(path, isDirectory: false);
            LibC.MakeNode(path, FileStatus.TypeCharacter, 0, 0);

            // The entry's time, not the unpacking's: every unpack of a layer gives the same tree.
            LibC.SetTimes(path, header.ModificationTime);
        }
        else
        {
            Remove(path);
        }
    }

    /// <summary>An existing entry is replaced, except a directory by a directory (whose contents stay).</summary>
    private static void ClearForNewEntry(string path, bool isDirectory)
    {
        if (LibC.TryLStat(path) is { } existing && !(isDirectory && existing.IsDirectory))
        {
            Remove(path);
        }
    }

    /// <summary>Deletes a path without following symlinks, in it or at it.</summary>
    private static void Remove(string path)
    {
        if (LibC.TryLStat(path) is not { } status)
        {
            return;
        }

        if (status.IsDirectory)
        {
            foreach (var child in Directory.EnumerateFileSystemEntries(path).ToList())
            {
                Remove(child);
            }

            Directory.Delete(path);
        }
        else
        {
            File.Delete(path);
        }
    }

    private static async ValueTask CreateAsync(TarHeader header, string path, RootedPathResolver resolver, Stream content, CancellationToken cancellationToken)
    {
        switch (header.Kind)
        {
            case TarEntryKind.Directory:
                Directory.CreateDirectory(path);
                break;
            case TarEntryKind.RegularFile:
                // CreateNew: the path was cleared, and must not be a link planted since.
                await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    await content.CopyToAsync(file, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                }

                break;
            case TarEntryKind.SymbolicLink:
                File.CreateSymbolicLink(path, header.LinkName);
                break;
            case TarEntryKind.HardLink:
                LibC.HardLink(ResolveHardLinkTarget(header, resolver), path);
                break;
            case TarEntryKind.CharacterDevice:
                LibC.MakeNode(path, FileStatus.TypeCharacter | (uint)header.Mode, (uint)header.DevMajor, (uint)header.DevMinor);
                break;
            case TarEntryKind.BlockDevice:
                LibC.MakeNode(path, FileStatus.TypeBlock | (uint)header.Mode, (uint)header.DevMajor, (uint)header.DevMinor);
                break;
            case TarEntryKind.Fifo:
                LibC.MakeNode(path, FileStatus.TypeFifo | (uint)header.Mode, 0, 0);
                break;
            default:
                throw new InvalidDataException($"Layer entry '{header.Name}' has the unsupported kind {header.Kind}.");
        }
    }

    /// <summary>A hard link's target is an archive path: it must already exist inside the root, and not be a directory.</summary>
    private static string ResolveHardLinkTarget(TarHeader header, RootedPathResolver resolver)
    {
        var components = RootedPathResolver.Components(header.LinkName);
        if (components.Length == 0)
        {
            throw new InvalidDataException($"Layer entry '{header.Name}' is a hard link to the root.");
        }

        var parent = resolver.ResolveParent(header.LinkName, components, createMissing: false);
        var target = $"{parent}/{components[^1]}";
        return (parent is null ? null : LibC.TryLStat(target)) switch
        {
            null => throw new InvalidDataException($"Layer entry '{header.Name}' is a hard link to '{header.LinkName}', which is not in the layer root."),
            { IsDirectory: true } => throw new InvalidDataException($"Layer entry '{header.Name}' is a hard link to the directory '{header.LinkName}'."),
            _ => target,
        };
    }

    private static void SetMetadata(TarHeader header, string path)
    {
        if (header.Kind == TarEntryKind.HardLink)
        {
            return; // the link shares its target's inode, metadata and all
        }

        // Owner before mode and xattrs: chown clears setuid/setgid and security.capability.
        LibC.LChown(path, header.Uid, header.Gid);
        if (header.Kind != TarEntryKind.SymbolicLink)
        {
            LibC.Chmod(path, header.Mode);
        }

        foreach (var (name, value) in header.Xattrs)
        {
            LibC.SetXattr(path, name, value);
        }

        if (header.Kind != TarEntryKind.Directory)
        {
            LibC.SetTimes(path, header.ModificationTime);
        }
    }
}
