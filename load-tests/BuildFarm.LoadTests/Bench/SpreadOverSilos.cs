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
        return await BenchOutput.WriteRatioAsync(output, Name, "cluster vs one silo", cluster.Elapsed, single.Elapsed, Target).ConfigureAwait(false);
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
