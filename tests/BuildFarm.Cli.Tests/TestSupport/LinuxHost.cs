namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>What a farm leaves on this machine, read from /proc: mounts and processes.</summary>
internal static class LinuxHost
{
    /// <summary>The lines of /proc/self/mountinfo that name a path at or below <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> MountsBelow(string directory) =>
        [.. File.ReadLines("/proc/self/mountinfo").Where(line => line.Contains(directory, StringComparison.Ordinal))];

    /// <summary>The processes whose command line (arguments joined by spaces) holds <paramref name="text"/>.</summary>
    public static IReadOnlyList<(int Id, string CommandLine)> ProcessesWith(string text) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var id) ? id : 0)
            .Where(id => id > 0)
            .Select(id => (Id: id, CommandLine: CommandLine(id)?.Replace('\0', ' ').TrimEnd()))
            .Where(process => process.CommandLine?.Contains(text, StringComparison.Ordinal) == true)
            .Select(process => (process.Id, process.CommandLine!))];

    /// <summary>The process's command line, arguments separated by NUL; null when it is gone.</summary>
    public static string? CommandLine(int processId) => Read($"/proc/{processId}/cmdline");

    /// <summary>The session a process leads or belongs to (field 6 of /proc/PID/stat); null when it is gone.</summary>
    public static int? SessionId(int processId) =>
        Read($"/proc/{processId}/stat") is { } stat
            ? int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture)
            : null;

    // Processes come and go while /proc is read.
    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
