namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>What a farm leaves on this machine, read from /proc: mounts and processes.</summary>
internal static class LinuxHost
{
    /// <summary>The lines of /proc/self/mountinfo that name a path at or below <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> MountsBelow(string directory) =>
        [.. File.ReadLines("/proc/self/mountinfo").Where(line => line.Contains(directory, StringComparison.Ordinal))];

    /// <summary>The command lines (arguments joined by spaces) of the processes whose command line holds <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> ProcessesWith(string text) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Where(directory => int.TryParse(Path.GetFileName(directory), out _))
            .Select(directory => Read(Path.Combine(directory, "cmdline"))?.Replace('\0', ' ').TrimEnd())
            .OfType<string>()
            .Where(commandLine => commandLine.Contains(text, StringComparison.Ordinal))];

    /// <summary>The process's command line, arguments separated by NUL; null when it is gone.</summary>
    public static string? CommandLine(int processId) => Read($"/proc/{processId}/cmdline");

    /// <summary>The session a process leads or belongs to (field 6 of /proc/PID/stat); null when it is gone.</summary>
    public static int? SessionId(int processId) =>
        Read($"/proc/{processId}/stat") is { } stat
            ? int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture)
            : null;

    /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsRunning(int processId) =>
        Read($"/proc/{processId}/stat") is { } stat && stat[stat.LastIndexOf(')') + 2] != 'Z';

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
