using System.Globalization;
using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Bench;

/// <summary>How the scenarios print: one line per figure, prefixed with the scenario's name; ratios with their target.</summary>
internal static class BenchOutput
{
    public static Task WriteAsync(TextWriter output, string scenario, string line) => output.WriteLineAsync($"{scenario}: {line}");

    /// <summary>Prints <paramref name="measured"/>/<paramref name="baseline"/> against <paramref name="target"/>; true when within it.</summary>
    public static async Task<bool> WriteRatioAsync(TextWriter output, string scenario, string what, TimeSpan measured, TimeSpan baseline, double target)
    {
        var ratio = measured / baseline;
        var met = ratio <= target;
        await WriteAsync(output, scenario, string.Create(CultureInfo.InvariantCulture, $"{what}: {Seconds(measured)} / {Seconds(baseline)} = {ratio:0.00} (target <= {target:0.0#}: {(met ? "met" : "MISSED")})")).ConfigureAwait(false);
        return met;
    }

    /// <summary>Prints the failed builds, one line per error with how many failed so and through which servers; true when none failed.</summary>
    public static async Task<bool> WriteFailuresAsync(TextWriter output, string scenario, IEnumerable<BuildOutcome> builds)
    {
        var failed = builds.Where(static b => !b.Succeeded).GroupBy(static b => b.Error).ToList();
        foreach (var error in failed)
        {
            var servers = string.Join(", ", error.Select(static b => b.Server).Distinct());
            await WriteAsync(output, scenario, $"FAILED x{error.Count()} through {servers}: {error.Key}").ConfigureAwait(false);
        }

        return failed.Count == 0;
    }

    public static string Seconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.000} s");
}
