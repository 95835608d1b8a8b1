using System.Diagnostics;
using System.Globalization;

namespace BuildFarm.Execution.Snapshots.Internal;

/// <summary>
/// Gives every place of a chain a lower dir overlayfs accepts. A layer may appear any number of
/// times in a chain (two steps can make the same layer), but overlayfs refuses one directory as
/// two lower layers: it traps each layer's root inode and fails the mount with ELOOP ("Too many
/// levels of symbolic links"), through symlinks and bind mounts alike.
/// </summary>
/// <remarks>
/// A repeat right above itself adds nothing (every path it has, the copy above has too and hides)
/// and is left out. A repeat further up is not redundant — a layer in between may have deleted
/// what it adds again — so it gets a copy of its own: new directories with the files hard-linked
/// (<c>cp -al</c>: xattrs such as overlayfs' opaque marker kept, no file data copied), made in the
/// step's exec dir and deleted with it. containerd avoids the trap by keying snapshots by chain ID
/// instead, which unpacks every layer once per chain it appears in; here only the rare repeat pays.
/// </remarks>
internal static class DistinctLowerDirectories
{
    /// <summary>
    /// The lower dirs to mount for <paramref name="lowerTopFirst"/>, each directory once; copies
    /// are made below <paramref name="copiesDirectory"/>, which must not exist yet.
    /// </summary>
    public static IReadOnlyList<string> Make(IReadOnlyList<string> lowerTopFirst, string copiesDirectory)
    {
        var distinct = new List<string>(lowerTopFirst.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var lower in lowerTopFirst)
        {
            if (lower == previous)
            {
                continue;
            }

            previous = lower;
            if (seen.Add(lower))
            {
                distinct.Add(lower);
                continue;
            }

            Directory.CreateDirectory(copiesDirectory);
            var copy = Path.Combine(copiesDirectory, distinct.Count.ToString(CultureInfo.InvariantCulture));
            LinkCopy(lower, copy);
            distinct.Add(copy);
        }

        return distinct;
    }

    private static void LinkCopy(string source, string target)
    {
        var start = new ProcessStartInfo("cp")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-a", "-l", "--no-target-directory", "--", source, target })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new IOException("Cannot start cp.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new IOException($"Cannot link a second copy of snapshot '{source}' into '{target}' for a layer repeated in its chain: {errors.Trim()}");
        }
    }
}
