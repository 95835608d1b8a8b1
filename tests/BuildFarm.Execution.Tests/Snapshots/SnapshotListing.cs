using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BuildFarm.Execution.Internal;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Snapshots;

/// <summary>
/// A snapshot directory as exact lines, everything overlayfs and a step could tell apart:
/// <c>path type mode uid:gid links=N dev=major:minor size mtime [atime] [-> target] [sha256] [xattrs]</c>.
/// The root is listed as <c>.</c>. Access times are listed for all but directories and
/// symlinks, and are read before any content: listing a directory updates its access time, and
/// so does resolving a symlink (which enumerating does, to tell whether it leads to a directory).
/// </summary>
internal static partial class SnapshotListing
{
    public static async Task<string[]> OfAsync(string root)
    {
        var paths = new List<string> { root };
        paths.AddRange(Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }));
        paths.Sort(StringComparer.Ordinal);

        // %F type, %a mode, %h links, %t:%T device, %s size, %.9Y / %.9X mtime / atime with nanoseconds.
        var stat = await ProcessRunner.RunCheckedAsync("stat", ["--printf", "%F|%a|%u:%g|%h|%t:%T|%s|%.9Y|%.9X\\n", .. paths]);
        var statLines = stat.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(paths.Count, statLines.Length);

        var lines = new List<string>();
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            var f = statLines[i].Split('|');
            var relative = path == root ? "." : Path.GetRelativePath(root, path);
            var isDirectory = f[0] == "directory";
            var line = $"{relative} {f[0].Replace(' ', '-')} {f[1]} {f[2]} links={(isDirectory ? "-" : f[3])} dev={f[4]} size={(isDirectory ? "-" : f[5])} mtime={f[6]}";
            if (!isDirectory && f[0] != "symbolic link")
            {
                line += $" atime={f[7]}";
            }

            if (f[0] == "symbolic link")
            {
                line += $" -> {new FileInfo(path).LinkTarget}";
            }

            lines.Add(line);
        }

        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (statLines[i].StartsWith("regular", StringComparison.Ordinal))
            {
                lines[i] += " sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
            }

            var xattrs = LinuxCalls.ListXattrs(path).Order(StringComparer.Ordinal).Select(name => $"{name}={Convert.ToHexStringLower(GetXattr(path, name))}").ToList();
            if (xattrs.Count > 0)
            {
                lines[i] += " xattrs[" + string.Join(',', xattrs) + "]";
            }
        }

        return [.. lines];
    }

    /// <summary>Asserts two listings are equal, showing the lines that differ.</summary>
    public static void AssertSame(string[] expected, string[] actual, string expectedName, string actualName)
    {
        var missing = expected.Except(actual, StringComparer.Ordinal).Select(line => $"only {expectedName}: {line}");
        var extra = actual.Except(expected, StringComparer.Ordinal).Select(line => $"only {actualName}: {line}");
        var differences = string.Join('\n', missing.Concat(extra));
        Assert.True(differences.Length == 0 && expected.SequenceEqual(actual, StringComparer.Ordinal), differences);
    }

    /// <summary>The line of <paramref name="relative"/> in a listing.</summary>
    public static string Line(string[] listing, string relative) =>
        listing.Single(line => line.StartsWith(relative + " ", StringComparison.Ordinal));

    public static string Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ".000000000";

    private static byte[] GetXattr(string path, string name)
    {
        var buffer = new byte[4096];
        var length = lgetxattr(path, name, buffer, (nuint)buffer.Length);
        Assert.True(length >= 0, $"lgetxattr {name} of {path} failed: {Marshal.GetLastPInvokeError()}");
        return buffer[..(int)length];
    }

    public static void SetXattr(string path, string name, byte[] value) =>
        Assert.True(lsetxattr(path, name, value, (nuint)value.Length, 0) == 0, $"lsetxattr {name} of {path} failed: {Marshal.GetLastPInvokeError()}");

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte[] value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte[] value, nuint size);
}
