namespace BuildFarm.Benchmarks;

/// <summary>
/// The machine's load averages: the benchmarks share their cores with other work, so each figure
/// is printed with the load it was measured under.
/// </summary>
public static class SystemLoad
{
    /// <summary>The 1, 5 and 15 minute load averages, as <c>/proc/loadavg</c> gives them.</summary>
    public static string Averages() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
