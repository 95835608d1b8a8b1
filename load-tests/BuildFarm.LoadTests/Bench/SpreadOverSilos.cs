using System.Globalization;
using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Bench;

/// <summary>
/// Twelve different builds whose RUN steps each sleep a second, submitted at once: on silos with
/// one slot each, three silos finish them in at most 0.4 of the time one silo takes, because
/// steps that find their silo's slot taken run on another silo.
/// </summary>
internal static class SpreadOverSilos
{
    public const string Name = "spread";

    private const int Builds = 12;
    private const int StepsPerBuild = 2;
    private const double StepSeconds = 1;
    private const double Target = 0.4;

    public static async Task<bool> RunAsync(BenchFarm farm, string runId, TextWriter output, CancellationToken cancellationToken)
    {
        var cluster = await RunBatchAsync(farm, $"spread-{runId}", onSingle: false, cancellationToken).ConfigureAwait(false);
        if (!await BenchOutput.WriteFailuresAsync(output, Name, cluster.Builds).ConfigureAwait(false))
        {
            return false;
        }

        var silos = cluster.Builds.SelectMany(static b => b.ProducingSteps).Where(static s => s.Outcome == StepOutcomes.Ran).Select(static s => s.Silo).Distinct().Count();
        await BenchOutput.WriteAsync(output, Name, $"{Builds} builds of {StepsPerBuild} RUN steps sleeping {StepSeconds:0} s each through {farm.SiloCount} silo(s): {BenchOutput.Seconds(cluster.Elapsed)}, steps ran on {silos} silo(s)").ConfigureAwait(false);
        await WriteProfileAsync(output, cluster.Builds).ConfigureAwait(false);
        if (farm.Settings.Single is null)
        {
            var serial = TimeSpan.FromSeconds(Builds * StepsPerBuild * StepSeconds);
            return await BenchOutput.WriteRatioAsync(output, Name, "cluster vs one slot's least time (no --single: the steps one after another)", cluster.Elapsed, serial, Target).ConfigureAwait(false);
        }

        var single = await RunBatchAsync(farm, $"spread-single-{runId}", onSingle: true, cancellationToken).ConfigureAwait(false);
        if (!await BenchOutput.WriteFailuresAsync(output, Name, single.Builds).ConfigureAwait(false))
        {
            return false;
        }

        await BenchOutput.WriteAsync(output, Name, $"the same through one silo ({farm.Settings.Single}): {BenchOutput.Seconds(single.Elapsed)}").ConfigureAwait(false);
        await WriteProfileAsync(output, single.Builds).ConfigureAwait(false);
        return await BenchOutput.WriteRatioAsync(output, Name, "cluster vs one silo", cluster.Elapsed, single.Elapsed, Target).ConfigureAwait(false);
    }

    /// <summary>
    /// Where each silo's slot went, from the builds' events: the steps it ran, each with when it
    /// was ready (its inputs known), started and had its result recorded; the time from a step's
    /// start to its result; and the time no step of the silo was between its start and its
    /// result (from the first step queued to the last result, on one machine's clock).
    /// </summary>
    private static async Task WriteProfileAsync(TextWriter output, IReadOnlyList<BuildOutcome> builds)
    {
        var runs = builds.SelectMany(static build => build.StepRuns).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        var first = runs.Min(static run => run.Queued);
        var window = runs.Max(static run => run.Finished) - first;
        foreach (var silo in runs.GroupBy(static run => run.Silo).OrderBy(static group => group.Key, StringComparer.Ordinal))
        {
            var startToResult = TimeSpan.FromTicks(silo.Sum(static run => (run.Finished - run.Started).Ticks));
            await BenchOutput.WriteAsync(output, Name, string.Create(CultureInfo.InvariantCulture,
                $"  silo {silo.Key}: {silo.Count()} steps, started to result {startToResult.TotalSeconds / silo.Count():0.000} s a step, no step for {(window - Covered(silo)).TotalSeconds:0.00} s of {window.TotalSeconds:0.00} s")).ConfigureAwait(false);
            foreach (var run in silo.OrderBy(static run => run.Started))
            {
                await BenchOutput.WriteAsync(output, Name, string.Create(CultureInfo.InvariantCulture,
                    $"    ready {(run.Ready - first).TotalSeconds,6:0.00}  started {(run.Started - first).TotalSeconds,6:0.00}  result {(run.Finished - first).TotalSeconds,6:0.00}  {run.Name}")).ConfigureAwait(false);
            }
        }
    }

    // A step's result is recorded after the next step on its silo has started (replication and
    // recording follow the run), so the runs overlap: the time they cover is their union.
    private static TimeSpan Covered(IEnumerable<StepRunTimes> runs)
    {
        var covered = TimeSpan.Zero;
        DateTimeOffset? end = null;
        foreach (var run in runs.OrderBy(static run => run.Started))
        {
            var from = end is { } last && last > run.Started ? last : run.Started;
            if (run.Finished > from)
            {
                covered += run.Finished - from;
                end = run.Finished;
            }
        }

        return covered;
    }

    private static async Task<(IReadOnlyList<BuildOutcome> Builds, TimeSpan Elapsed)> RunBatchAsync(BenchFarm farm, string seed, bool onSingle, CancellationToken cancellationToken)
    {
        var contexts = new List<string>();
        for (var i = 0; i < Builds; i++)
        {
            var context = GeneratedContext.Create(Path.Combine(farm.Settings.WorkDirectory, seed, $"build{i}"), $"{seed}-{i}");
            context.WriteDockerfile(GeneratedContext.SleepingDockerfile($"{seed}-{i}", StepsPerBuild, StepSeconds));
            contexts.Add(context.Directory);
        }

        return await farm.BuildAllAtOnceAsync(contexts, onSingle, cancellationToken).ConfigureAwait(false);
    }
}
