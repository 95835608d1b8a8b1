using System.Globalization;

namespace BuildFarm.Execution.Tests.Files;

/// <summary>
/// A directory tree as exact lines, for assertions: <c>/path kind mode uid:gid</c>, then a file's
/// content or a link's target. Kinds: d, f, l, c (device), p (fifo).
/// </summary>
internal static class TreeListing
{
    public static string[] Of(string root)
    {
        var lines = new List<string>();
        Walk(root, string.Empty, lines);
        return [.. lines];
    }

    /// <summary>The listing of one path below <paramref name="root"/>.</summary>
    public static string Entry(string root, string relative)
    {
        var lines = new List<string>();
        Describe(Path.Combine(root, relative.TrimStart('/')), "/" + relative.TrimStart('/'), lines);
        return lines[0];
    }

    private static void Walk(string directory, string relative, List<string> lines)
    {
        var names = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).ToList();
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var path = Path.Combine(directory, name!);
            var entry = $"{relative}/{name}";
            Describe(path, entry, lines);
            if (IsRealDirectory(path))
            {
                Walk(path, entry, lines);
            }
        }
    }

    private static void Describe(string path, string entry, List<string> lines)
    {
        var status = Status(path);
        var mode = Convert.ToString(status.Mode & 0xFFF, 8).PadLeft(4, '0');
        var owner = string.Create(CultureInfo.InvariantCulture, $"{status.Uid}:{status.Gid}");
        var line = (status.Mode & 0xF000) switch
        {
            0x4000 => $"{entry} d {mode} {owner}",
            0xA000 => $"{entry} l {owner} -> {new FileInfo(path).LinkTarget}",
            0x8000 => $"{entry} f {mode} {owner} {File.ReadAllText(path)}",
            0x1000 => $"{entry} p {mode} {owner}",
            _ => $"{entry} c {mode} {owner}",
        };
        lines.Add(line.TrimEnd());
    }

    private static bool IsRealDirectory(string path) => (Status(path).Mode & 0xF000) == 0x4000;

    public static (uint Mode, uint Uid, uint Gid, ulong Inode, long MTime) Status(string path)
    {
        var output = Run("stat", "-c", "%f %u %g %i %Y", path).Split(' ');
        return (
            Convert.ToUInt32(output[0], 16),
            uint.Parse(output[1], CultureInfo.InvariantCulture),
            uint.Parse(output[2], CultureInfo.InvariantCulture),
            ulong.Parse(output[3], CultureInfo.InvariantCulture),
            long.Parse(output[4], CultureInfo.InvariantCulture));
    }

    public static string Run(string tool, params string[] arguments)
    {
        var result = BuildFarm.Testing.ProcessRunner.RunAsync(tool, arguments).GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} failed: {result.Error}");
        return result.Output.Trim();
    }
}
