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
    /// Where each silo's slot went, from the builds' events: the steps it ran, the time their
    /// commands took as the silo measured it (sleep included), what a step took beyond that from
    /// its start to the build learning its result, and the time the slot held no step (from the
    /// first step queued to the last result, on one machine's clock).
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
            var held = TimeSpan.FromTicks(silo.Sum(static run => (run.Finished - run.Started).Ticks));
            await BenchOutput.WriteAsync(output, Name, string.Create(CultureInfo.InvariantCulture,
                $"  silo {silo.Key}: {silo.Count()} steps, started to result {held.TotalSeconds / silo.Count():0.000} s a step, no step for {(window - held).TotalSeconds:0.00} s of {window.TotalSeconds:0.00} s")).ConfigureAwait(false);
            foreach (var run in silo.OrderBy(static run => run.Started))
            {
                await BenchOutput.WriteAsync(output, Name, string.Create(CultureInfo.InvariantCulture,
                    $"    queued {(run.Queued - first).TotalSeconds,6:0.00}  started {(run.Started - first).TotalSeconds,6:0.00}  result {(run.Finished - first).TotalSeconds,6:0.00}  ran {run.Ran.TotalSeconds,5:0.00}  {run.Name}")).ConfigureAwait(false);
            }
        }
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
