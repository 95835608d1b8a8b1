using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Snapshots.Internal;

/// <summary>
/// Creates the missing mount points of a container (<c>/proc</c>, <c>/etc/hosts</c>, ...) and
/// takes them away again, so that they do not end up in the step's layer.
/// </summary>
/// <remarks>
/// runc would create a missing mount point itself, in the upper dir, where the layer writer
/// would find it. BuildKit removes such stubs after the run (executor/stubs.go); here they are
/// also created by us, so that the parent directory's modification time can be put back, and
/// after unmounting, a parent directory that was only copied up for a stub and is unchanged is
/// removed from the upper dir, so a step that touches nothing in <c>/etc</c> yields no
/// <c>etc/</c> entry. Paths through symlinks are left to runc, which resolves them in the root.
/// </remarks>
internal sealed class MountPointStubs
{
    private readonly List<Stub> _stubs = [];
    private readonly Dictionary<string, FileStatus> _copiedUpDirectories = new(StringComparer.Ordinal);

    /// <summary>Creates what is missing of each target in the mounted root <paramref name="root"/>.</summary>
    public void Create(string root, IEnumerable<MountTarget> targets)
    {
        foreach (var target in targets)
        {
            var components = target.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var parent = string.Empty;
            for (var i = 0; i < components.Length; i++)
            {
                if (components[i] is "." or "..")
                {
                    break; // not a clean path: runc's own resolution decides
                }

                var relative = parent.Length == 0 ? components[i] : $"{parent}/{components[i]}";
                var status = LibC.TryLStat(Path.Combine(root, relative));
                if (status is null)
                {
                    CreateStub(root, parent, components.AsSpan(i), target.IsFile);
                    break;
                }

                if (!status.Value.IsDirectory)
                {
                    break; // a symlink, or a file where a directory is needed: runc decides
                }

                parent = relative;
            }
        }
    }

    /// <summary>Removes the stubs that are still empty, from the root as the container left it.</summary>
    public void Remove(string root)
    {
        for (var i = _stubs.Count - 1; i >= 0; i--)
        {
            var stub = _stubs[i];
            var top = Path.Combine(root, stub.Top);
            if (!IsUntouched(top, stub.Depth))
            {
                continue;
            }

            var parent = ParentPath(root, stub.Top);
            var parentTime = LibC.TryLStat(parent)?.ModificationTime;
            if (LibC.TryLStat(top)!.Value.IsDirectory)
            {
                Directory.Delete(top, recursive: true);
            }
            else
            {
                File.Delete(top);
            }

            // Only our own removal changed the parent: give it back the time it had.
            if (parentTime == stub.ParentTime)
            {
                LibC.SetModificationTime(parent, stub.ParentTime);
            }
        }
    }

    /// <summary>
    /// After unmounting: removes from <paramref name="upper"/> the directories that were copied up
    /// only to hold a stub and are, there, empty, not opaque and as they were below.
    /// </summary>
    public void PruneCopiedUp(string upper)
    {
        foreach (var (relative, original) in _copiedUpDirectories.OrderByDescending(static pair => pair.Key.Length))
        {
            var path = Path.Combine(upper, relative);
            if (LibC.TryLStat(path) is { IsDirectory: true } status
                && SameMetadata(status, original)
                && !Directory.EnumerateFileSystemEntries(path).Any()
                && LibC.GetXattr(path, Whiteouts.OverlayOpaqueXattr) is null)
            {
                // The removal is ours, not the step's: the parent keeps its time, so it can be pruned in turn.
                var parent = Path.GetDirectoryName(path)!;
                var parentTime = LibC.LStat(parent).ModificationTime;
                Directory.Delete(path);
                LibC.SetModificationTime(parent, parentTime);
            }
        }
    }

    private void CreateStub(string root, string parent, ReadOnlySpan<string> missing, bool isFile)
    {
        var parentPath = parent.Length == 0 ? root : Path.Combine(root, parent);
        var parentTime = LibC.TryLStat(parentPath)!.Value.ModificationTime;
        RememberAncestors(root, parent);

        var relative = parent;
        for (var i = 0; i < missing.Length; i++)
        {
            relative = relative.Length == 0 ? missing[i] : $"{relative}/{missing[i]}";
            var path = Path.Combine(root, relative);
            if (i == missing.Length - 1 && isFile)
            {
                File.Create(path).Dispose();
            }
            else
            {
                Directory.CreateDirectory(path);
            }
        }

        var top = parent.Length == 0 ? missing[0] : $"{parent}/{missing[0]}";
        LibC.SetModificationTime(parentPath, parentTime);
        _stubs.Add(new Stub(top, missing.Length, parentTime));
    }

    /// <summary>Records each directory the stub makes overlayfs copy up, as it is below, before it is.</summary>
    private void RememberAncestors(string root, string parent)
    {
        var relative = string.Empty;
        foreach (var component in parent.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            relative = relative.Length == 0 ? component : $"{relative}/{component}";
            if (!_copiedUpDirectories.ContainsKey(relative))
            {
                _copiedUpDirectories[relative] = LibC.TryLStat(Path.Combine(root, relative))!.Value;
            }
        }
    }

    // Size, inode and device depend on the file system the path was seen through (merged or upper).
    private static bool SameMetadata(FileStatus a, FileStatus b) =>
        (a.Mode, a.Uid, a.Gid, a.ModificationTime) == (b.Mode, b.Uid, b.Gid, b.ModificationTime);

    /// <summary>A stub is untouched when it is still an empty file, or a chain of single empty directories as deep as created.</summary>
    private static bool IsUntouched(string path, int depth)
    {
        if (LibC.TryLStat(path) is not { } status)
        {
            return false;
        }

        if (!status.IsDirectory)
        {
            return depth == 1 && status is { IsRegular: true, Size: 0 };
        }

        var children = Directory.EnumerateFileSystemEntries(path).Take(2).ToList();
        return children.Count switch
        {
            0 => true,
            1 when depth > 1 => IsUntouched(children[0], depth - 1),
            _ => false,
        };
    }

    private static string ParentPath(string root, string relative)
    {
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? root : Path.Combine(root, relative[..slash]);
    }

    /// <param name="Top">The first missing component, relative to the root: what was created.</param>
    /// <param name="Depth">How many path components were created.</param>
    /// <param name="ParentTime">The parent directory's modification time before the stub.</param>
    private sealed record Stub(string Top, int Depth, FileTime ParentTime);
}
