using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// Copies one COPY/ADD source the way BuildKit's copier (fsutil's <c>copy.Copy</c>) does, like
/// <c>cp -a</c>: a directory's contents (not the directory) go to the destination, links are
/// copied as links, hard links within the source stay one inode, devices stay devices, and the
/// owner, mode, time and xattrs follow the source unless --chown/--chmod say otherwise. What the
/// filter hides is left out; a hidden directory is created only for what an exception brings back.
/// Existing entries are replaced, never written through, except directories, which merge.
/// </summary>
internal sealed class TreeCopier(SourceTree source, SelectionFilter filter, CopyTarget target, CancellationToken cancellationToken)
{
    private const int CopyBufferSize = 1 << 20;

    // Source inode of a hard-linked file -> where its first link was written.
    private readonly Dictionary<ulong, string> _linkedFiles = [];

    // The directories above the entry being copied whose creation waits for something they hold to be copied.
    private readonly List<PendingDirectory> _pending = [];

    /// <summary>
    /// Copies <paramref name="sourcePath"/> (resolved, in the source tree), named <paramref name="name"/>,
    /// to the image path <paramref name="destination"/>: into it when it ends in <c>/</c> or is an
    /// existing directory, as it otherwise. Missing directories on the way are created.
    /// </summary>
    public void Copy(string sourcePath, string name, string destination)
    {
        target.CreateDirectories(target.Resolve(NamesDirectory(destination) ? destination : ParentOf(destination)));
        var destinationPath = target.Resolve(destination);
        var status = source.Status(sourcePath);
        var existing = LibC.TryLStat(destinationPath);
        if (!status.IsDirectory && existing is { IsDirectory: true })
        {
            destinationPath = $"{destinationPath}/{name}";
        }

        // fsutil's prepareTargetDir: a directory's contents go into the destination, which, when
        // missing, is made first as every directory the copy makes is (0755 or --chmod's octal mode,
        // root's or --chown's owner): it does not take the source directory's owner or mode, only
        // its time, as an existing one does. Otherwise only the parent is made here.
        target.CreateDirectories(status.IsDirectory && existing is null ? destinationPath : Path.GetDirectoryName(destinationPath)!);
        CopyEntry(sourcePath, string.Empty, destinationPath, overwriteMetadata: false);
    }

    /// <summary>
    /// <c>COPY --parents</c>: copies <paramref name="sourcePath"/> to <paramref name="relative"/>
    /// below the destination directory <paramref name="destinationDirectory"/> (a host path), creating
    /// the directories of <paramref name="relative"/> with their source's metadata, found below
    /// <paramref name="pivot"/> in the source tree.
    /// </summary>
    public void CopyBelow(string sourcePath, string pivot, string relative, string destinationDirectory)
    {
        var parents = relative.Split('/')[..^1];
        for (var i = 1; i <= parents.Length; i++)
        {
            var prefix = string.Join('/', parents[..i]);
            var parentSource = source.Resolve(SourceTree.Join(pivot, prefix))
                ?? throw new SourceNotFoundException(SourceTree.Join(pivot, prefix));
            _pending.Add(new PendingDirectory(parentSource, $"{destinationDirectory}/{prefix}"));
        }

        CopyEntry(sourcePath, relative, $"{destinationDirectory}/{relative}", overwriteMetadata: true);
        _pending.Clear();
    }

    /// <summary>
    /// Copies the entry <paramref name="sourcePath"/>, <paramref name="relative"/> to the selected
    /// directory being copied, to <paramref name="targetPath"/> (a host path whose parent exists)
    /// exactly as copying the whole directory would have: what a patch of an earlier copy redoes.
    /// </summary>
    public void CopyNested(string sourcePath, string relative, string targetPath) =>
        CopyEntry(sourcePath, relative, targetPath, overwriteMetadata: true);

    /// <summary>
    /// Gives the directory <paramref name="targetPath"/>, a copy of <paramref name="sourcePath"/>
    /// nested in a copied directory, the metadata a copy of it ends with, as copying the whole directory
    /// would have after its contents (which changes its time).
    /// </summary>
    public void FinishNestedDirectory(string sourcePath, string targetPath)
    {
        var status = source.Status(sourcePath);
        LibC.Chmod(targetPath, status.Permissions);
        target.ApplyMetadata(targetPath, status, source, sourcePath);
    }

    // fsutil's copier.copy. relative is the path inside the copied source (empty for the source itself).
    private void CopyEntry(string sourcePath, string relative, string targetPath, bool overwriteMetadata)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var include = true;
        if (relative.Length > 0)
        {
            var visibility = filter.Classify(sourcePath, relative);
            if (visibility == EntryVisibility.Hidden)
            {
                return;
            }

            include = visibility == EntryVisibility.Visible;
        }

        var status = source.Status(sourcePath);
        var existing = LibC.TryLStat(targetPath);
        if (include)
        {
            CreatePendingDirectories(overwriteMetadata);
        }

        if (!status.IsDirectory)
        {
            ClearFileTarget(targetPath, existing);
        }

        var applyMetadata = include;
        var restoreTime = false;
        if (status.IsDirectory)
        {
            var created = include && CreateDirectory(targetPath, status, existing, overwriteMetadata);
            _pending.Add(new PendingDirectory(sourcePath, targetPath) { Created = include });
            foreach (var name in source.ListNames(sourcePath))
            {
                CopyEntry(SourceTree.Join(sourcePath, name), SourceTree.Join(relative, name), $"{targetPath}/{name}", overwriteMetadata: true);
            }

            _pending.RemoveAt(_pending.Count - 1);
            if (!overwriteMetadata)
            {
                // The destination directory itself keeps what it has (or was created with), but the source's time.
                applyMetadata = created;
                restoreTime = !created;
            }
        }
        else if (status.IsRegular)
        {
            CopyFile(sourcePath, targetPath, status);
        }
        else if (status.IsSymlink)
        {
            File.CreateSymbolicLink(targetPath, source.ReadLink(sourcePath));
        }
        else
        {
            LibC.MakeNode(targetPath, status.Mode, status.RdevMajor, status.RdevMinor);
        }

        if (applyMetadata)
        {
            target.ApplyMetadata(targetPath, status, source, sourcePath);
        }
        else if (restoreTime && existing is not null)
        {
            LibC.SetModificationTime(targetPath, status.ModificationTime);
        }
    }

    private void CopyFile(string sourcePath, string targetPath, FileStatus status)
    {
        if (status.LinkCount > 1)
        {
            if (_linkedFiles.TryGetValue(status.Inode, out var firstLink))
            {
                LibC.HardLink(firstLink, targetPath);
                return;
            }

            _linkedFiles[status.Inode] = targetPath;
        }

        using var input = source.OpenRead(sourcePath);
        using var output = new FileStream(targetPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        input.CopyTo(output, CopyBufferSize);
    }

    // fsutil's copyDirectoryOnly: true when the directory was created here.
    private bool CreateDirectory(string targetPath, FileStatus status, FileStatus? existing, bool overwriteMetadata)
    {
        if (existing is null)
        {
            Directory.CreateDirectory(targetPath);
            return true;
        }

        if (!existing.Value.IsDirectory)
        {
            throw new FileCopyException($"cannot copy to non-directory: {target.ImagePath(targetPath)}");
        }

        if (overwriteMetadata)
        {
            LibC.Chmod(targetPath, status.Permissions);
        }

        return false;
    }

    // fsutil's ensureEmptyFileTarget: a file, link or device in the way is removed; a directory is an error.
    private void ClearFileTarget(string targetPath, FileStatus? existing)
    {
        if (existing is null)
        {
            return;
        }

        if (existing.Value.IsDirectory)
        {
            throw new FileCopyException($"cannot replace to directory {target.ImagePath(targetPath)} with file");
        }

        File.Delete(targetPath);
    }

    // fsutil's createParentDirs: directories that were hidden (or --parents' parents) appear with
    // their source's metadata once something below them is copied.
    private void CreatePendingDirectories(bool overwriteMetadata)
    {
        foreach (var directory in _pending.Where(directory => !directory.Created))
        {
            var status = source.Status(directory.SourcePath);
            if (!status.IsDirectory)
            {
                throw new FileCopyException($"{directory.SourcePath} is not a directory");
            }

            if (CreateDirectory(directory.TargetPath, status, LibC.TryLStat(directory.TargetPath), overwriteMetadata))
            {
                target.ApplyMetadata(directory.TargetPath, status, source, directory.SourcePath);
            }

            directory.Created = true;
        }
    }

    private static bool NamesDirectory(string path) => path.EndsWith('/') || path.EndsWith("/.", StringComparison.Ordinal) || path == ".";

    private static string ParentOf(string path) => path[..(path.LastIndexOf('/') + 1)];

    private sealed class PendingDirectory(string sourcePath, string targetPath)
    {
        public string SourcePath { get; } = sourcePath;

        public string TargetPath { get; } = targetPath;

        public bool Created { get; set; }
    }
}
