using System.IO.Enumeration;

namespace BuildFarm.Storage.Pruning;

/// <summary>
/// Measures and removes directory trees of the data directory. A tree's size is the sum of the
/// lengths of its regular files: exact and the same on every file system, where block counts
/// depend on block size and on what the file system packs.
/// </summary>
public static class DiskSpace
{
    private static readonly EnumerationOptions Everything = new()
    {
        RecurseSubdirectories = true,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>The bytes of the regular files under <paramref name="path"/> (a file's own length); 0 when it does not exist.</summary>
    public static long Measure(string path)
    {
        var file = new FileInfo(path);
        if (file.LinkTarget is not null)
        {
            return 0;
        }

        if (file.Exists)
        {
            return file.Length;
        }

        if (!Directory.Exists(path))
        {
            return 0;
        }

        // Symbolic links are counted as nothing and never followed (the enumeration's own recursion
        // would follow a link to a directory): a link inside a layer points into the container's tree.
        var files = new FileSystemEnumerable<long>(path, static (ref FileSystemEntry entry) => entry.Length, Everything)
        {
            ShouldIncludePredicate = static (ref FileSystemEntry entry) => !entry.IsDirectory && !IsLink(ref entry),
            ShouldRecursePredicate = static (ref FileSystemEntry entry) => !IsLink(ref entry),
        };
        return files.Sum();
    }

    /// <summary>Measures and deletes every entry of <paramref name="directory"/>, keeping the directory itself.</summary>
    public static Amount Empty(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return Amount.Zero;
        }

        var removed = Amount.Zero;
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            removed += new Amount(1, Measure(entry.FullName));
            Delete(entry.FullName);
        }

        return removed;
    }

    private static bool IsLink(ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;

    /// <summary>Deletes a file or a directory tree; nothing when it does not exist.</summary>
    public static void Delete(string path)
    {
        if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }
}
