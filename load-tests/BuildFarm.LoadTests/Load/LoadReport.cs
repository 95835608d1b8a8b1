using System.Globalization;
using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Load;

/// <summary>What a load run measured: throughput, build times, errors and how much of the work the cache saved.</summary>
public sealed class LoadReport(LoadSettings settings, IReadOnlyList<LoadBuild> builds, TimeSpan elapsed)
{
    /// <summary>How many distinct error messages are printed, most frequent first.</summary>
    private const int ErrorsShown = 5;

    public IReadOnlyList<LoadBuild> Builds { get; } = builds;

    public TimeSpan Elapsed { get; } = elapsed;

    public int Errors => Builds.Count(static b => !b.Outcome.Succeeded);

    /// <summary>Builds that ended (either way) per second of the run.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? Builds.Count / Elapsed.TotalSeconds : 0;

    /// <summary>Steps of successful builds whose result was reused (cached or joined), of those that made or reused a layer.</summary>
    public (int Reused, int Total) CacheHits
    {
        get
        {
            var steps = Builds.SelectMany(static b => b.Outcome.ProducingSteps).ToList();
            return (steps.Count(static s => s.Outcome is StepOutcomes.Cached or StepOutcomes.Joined), steps.Count);
        }
    }

    public async Task WriteAsync(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var kinds = Enum.GetValues<BuildKind>().Select(kind => $"{Name(kind)} {Builds.Count(b => b.Kind == kind)}");
        var (reused, total) = CacheHits;
        var lines = new List<string>
        {
            $"load: {settings.Clients} clients for {settings.Duration.TotalSeconds:0} s against {string.Join(", ", settings.Servers)} (mix: {settings.Mix})",
            $"builds: {Builds.Count} ({string.Join(", ", kinds)}) in {Elapsed.TotalSeconds:0.0} s",
            $"errors: {Errors}",
            $"throughput: {Throughput:0.00} builds/s",
            $"build time: {Times(Builds)}",
        };
        lines.AddRange(Enum.GetValues<BuildKind>().Where(kind => Builds.Any(b => b.Kind == kind)).Select(kind => $"  {Name(kind)}: {Times(Builds.Where(b => b.Kind == kind))}"));
        lines.Add(total == 0 ? "cache hit ratio: none (no step ended)" : $"cache hit ratio: {(double)reused / total:0.00} ({reused} of {total} steps cached or joined)");
        lines.AddRange(Builds.Where(static b => !b.Outcome.Succeeded)
            .GroupBy(static b => b.Outcome.Error)
            .OrderByDescending(static g => g.Count())
            .Take(ErrorsShown)
            .Select(static g => $"  error x{g.Count()}: {g.Key}"));
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    private static string Name(BuildKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>p50, p95 and p99 of successful builds' times (a failed build's time says nothing of the farm's speed).</summary>
    private static string Times(IEnumerable<LoadBuild> builds)
    {
        var times = builds.Where(static b => b.Outcome.Succeeded).Select(static b => b.Outcome.Duration).Order().ToList();
        return times.Count == 0
            ? "none succeeded"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {Percentiles.Of(times, 50).TotalSeconds:0.000} s, p95 {Percentiles.Of(times, 95).TotalSeconds:0.000} s, p99 {Percentiles.Of(times, 99).TotalSeconds:0.000} s ({times.Count} builds)");
    }
}
