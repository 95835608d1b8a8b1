using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Snapshots.Internal;

/// <summary>
/// Copies a snapshot as hard links: directories are made anew with the same metadata, everything
/// else is linked. Snapshots are never written after they are made, and a change applied to the
/// clone replaces an entry rather than writing into it (<see cref="Oci.Layers.LayerApplier"/>
/// removes what it replaces), so the two never see each other's changes; a clone of fifty thousand
/// files costs fifty thousand links, not their bytes.
/// </summary>
internal static class LinkedClone
{
    public static void Copy(string source, string destination, CancellationToken cancellationToken)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(source))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = Path.Combine(destination, Path.GetFileName(path));
            var status = LibC.LStat(path);
            if (!status.IsDirectory)
            {
                LibC.HardLink(path, target);
                continue;
            }

            Directory.CreateDirectory(target);
            Copy(path, target, cancellationToken);
            LibC.LChown(target, status.Uid, status.Gid);
            LibC.Chmod(target, status.Permissions);
            LibC.SetModificationTime(target, status.ModificationTime);
        }
    }
}
