using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// The destination side of one COPY/ADD: the host directory that is the image's <c>/</c>, where
/// paths resolve as in a container of the image (links followed inside it, <c>..</c> stopping at
/// it), and the owner and modes the copy gives what it writes.
/// </summary>
internal sealed class CopyTarget
{
    private readonly DirectorySourceTree _root;

    public CopyTarget(string destinationRoot, ChmodSpec chmod, (uint Uid, uint Gid)? owner)
    {
        _root = SourceTree.ForRootFileSystem(destinationRoot, new FileDigestCache());
        Chmod = chmod;
        Owner = owner;
    }

    public ChmodSpec Chmod { get; }

    /// <summary>The --chown owner, or null to keep each source entry's.</summary>
    public (uint Uid, uint Gid)? Owner { get; }

    /// <summary>The host path an image path leads to (see <see cref="SourceTree.ResolveForWriting"/>).</summary>
    /// <exception cref="FileCopyException">The path goes through a file, or a symlink loop.</exception>
    public string Resolve(string imagePath)
    {
        try
        {
            return _root.HostPath(_root.ResolveForWriting(imagePath));
        }
        catch (IOException error)
        {
            throw new FileCopyException(error.Message, error);
        }
    }

    /// <summary>A host path below the root as the image sees it, for messages.</summary>
    public string ImagePath(string hostPath) => hostPath.Length > _root.Root.Length ? hostPath[_root.Root.Length..] : "/";

    /// <summary>
    /// fsutil's MkdirAll: creates the missing directories of a resolved host path with the copy's
    /// directory mode, owned by the --chown owner (root without one).
    /// </summary>
    public void CreateDirectories(string hostPath) => CreateDirectories(hostPath, Chmod.CreatedDirectoryPermissions);

    /// <summary>MkdirAll with the given permissions (ADD's archive extraction always uses 0755).</summary>
    public void CreateDirectories(string hostPath, int permissions)
    {
        if (LibC.TryLStat(hostPath) is { } existing)
        {
            if (!existing.IsDirectory)
            {
                throw new FileCopyException($"mkdir {ImagePath(hostPath)}: not a directory");
            }

            return;
        }

        if (Path.GetDirectoryName(hostPath) is { } parent && hostPath.Length > _root.Root.Length)
        {
            CreateDirectories(parent, permissions);
        }

        Directory.CreateDirectory(hostPath);
        LibC.Chmod(hostPath, permissions);
        if (Owner is var (uid, gid))
        {
            LibC.LChown(hostPath, uid, gid);
        }
    }

    /// <summary>
    /// fsutil's copyFileInfo and copyXAttrs: owner, mode (not a link's), modification time, then the
    /// extended attributes (after the owner, which would clear a file capability).
    /// </summary>
    public void ApplyMetadata(string hostPath, FileStatus status, SourceTree source, string sourcePath)
    {
        var (uid, gid) = Owner ?? source.OwnerOf(status);
        LibC.LChown(hostPath, uid, gid);
        if (!status.IsSymlink)
        {
            LibC.Chmod(hostPath, Chmod.Apply(status));
        }

        LibC.SetModificationTime(hostPath, status.ModificationTime);
        foreach (var (name, value) in source.ExtendedAttributes(sourcePath))
        {
            try
            {
                LibC.SetXattr(hostPath, name, value);
            }
            catch (IOException)
            {
                // BuildKit only logs an xattr the destination refuses (a namespace it does not support).
            }
        }
    }
}
