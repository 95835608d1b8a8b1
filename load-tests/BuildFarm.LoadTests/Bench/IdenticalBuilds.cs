using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Bench;

/// <summary>
/// Twenty builds of one Dockerfile submitted at once through the silos: each step that must run
/// runs once cluster-wide (the others join it), so the twenty take about as long as one build
/// alone (target: at most 1.3 times as long), and all make one image.
/// </summary>
internal static class IdenticalBuilds
{
    public const string Name = "identical";

    private const int Builds = 20;
    private const double Target = 1.3;

    /// <summary>Each RUN sleeps this long, so that the build's time is its steps' and not the overheads'.</summary>
    private const double RunSeconds = 1;

    public static async Task<bool> RunAsync(BenchFarm farm, string runId, TextWriter output, CancellationToken cancellationToken)
    {
        // Two seeds, so that both the lone build and the twenty are cold.
        var alone = GeneratedContext.Create(Path.Combine(farm.Settings.WorkDirectory, "identical-alone"), $"identical-alone-{runId}", RunSeconds);
        var shared = GeneratedContext.Create(Path.Combine(farm.Settings.WorkDirectory, "identical"), $"identical-{runId}", RunSeconds);
        var lone = await farm.BuildAsync(0, alone.Directory, cancellationToken).ConfigureAwait(false);
        var (builds, elapsed) = await farm.BuildAllAtOnceAsync(Enumerable.Repeat(shared.Directory, Builds).ToList(), onSingle: false, cancellationToken).ConfigureAwait(false);
        if (!await BenchOutput.WriteFailuresAsync(output, Name, [lone, .. builds]).ConfigureAwait(false))
        {
            return false;
        }

        // Executions per unique step: how many of the twenty ran each cache key (the rest joined or hit it).
        var executions = builds.SelectMany(static b => b.ProducingSteps)
            .GroupBy(static step => step.Key)
            .Select(static g => g.Count(static step => step.Outcome == StepOutcomes.Ran))
            .ToList();
        var digests = builds.Select(static b => b.Result!.ManifestDigest).Distinct().Count();
        var once = executions.All(static count => count == 1);
        await BenchOutput.WriteAsync(output, Name, $"{Builds} builds through {farm.SiloCount} silo(s): {executions.Count} unique steps, executions per unique step min {executions.Min()} max {executions.Max()} (target 1: {(once ? "met" : "MISSED")}), {digests} image digest(s)").ConfigureAwait(false);
        var ratioMet = await BenchOutput.WriteRatioAsync(output, Name, $"{Builds} at once vs one alone", elapsed, lone.Duration, Target).ConfigureAwait(false);
        return once && digests == 1 && ratioMet;
    }
}
