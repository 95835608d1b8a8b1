using System.Diagnostics;
using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Bench;

/// <summary>
/// A build made cold through silo A, then built warm through silo B whose store was emptied, and
/// warm through A: every step is a hit both times, and B, which must fetch the image's blobs from
/// its peers for the OCI export, takes at most 1.5 times as long as A.
/// </summary>
internal static class WarmElsewhere
{
    public const string Name = "elsewhere";

    private const double Target = 1.5;

    public static async Task<bool> RunAsync(BenchFarm farm, string runId, TextWriter output, CancellationToken cancellationToken)
    {
        if (farm.SiloCount < 2)
        {
            await BenchOutput.WriteAsync(output, Name, "skipped: it needs two --server addresses, silo A and silo B").ConfigureAwait(false);
            return true;
        }

        var context = GeneratedContext.Create(Path.Combine(farm.Settings.WorkDirectory, "elsewhere"), $"elsewhere-{runId}");
        var cold = await farm.BuildAsync(0, context.Directory, cancellationToken).ConfigureAwait(false);
        if (!await BenchOutput.WriteFailuresAsync(output, Name, [cold]).ConfigureAwait(false))
        {
            return false;
        }

        var emptied = "not emptied: no --empty-store-command, so B holds what replication put there";
        if (farm.Settings.EmptyStoreCommand is { } command)
        {
            emptied = await RunShellAsync(command, cancellationToken).ConfigureAwait(false);
            // The base image is not what B should fetch here (nor pull from its registry): the steps' layers are.
            await farm.ReloadBaseImageAsync(1, cancellationToken).ConfigureAwait(false);

            // B was started again: a build and export of another image first, so that what is
            // timed is fetching, not the first calls of a new process (JIT, connections to peers).
            // It has the timed build's kinds of steps (RUN and COPY) but shares no layer with it:
            // another seed, another app file, one more library file.
            var warmUp = GeneratedContext.Create(Path.Combine(farm.Settings.WorkDirectory, "elsewhere-warm-up"), $"elsewhere-warm-up-{runId}");
            warmUp.Edit($"warm-up {runId}");
            File.WriteAllText(Path.Combine(warmUp.Directory, "lib", "warm-up.txt"), $"warm-up {runId}\n");
            var (_, warmedUp) = await WarmAsync(farm, 1, warmUp, cancellationToken).ConfigureAwait(false);
            if (!await BenchOutput.WriteFailuresAsync(output, Name, [warmedUp]).ConfigureAwait(false))
            {
                return false;
            }

            emptied += "; B warmed up with a build and export of an image sharing no layer";
        }

        var (throughB, b) = await WarmAsync(farm, 1, context, cancellationToken).ConfigureAwait(false);
        var (throughA, a) = await WarmAsync(farm, 0, context, cancellationToken).ConfigureAwait(false);
        if (!await BenchOutput.WriteFailuresAsync(output, Name, [b, a]).ConfigureAwait(false))
        {
            return false;
        }

        var hitsB = b.ProducingSteps.Count(static s => s.Outcome == StepOutcomes.Cached);
        var hitsA = a.ProducingSteps.Count(static s => s.Outcome == StepOutcomes.Cached);
        var allHits = hitsB == b.ProducingSteps.Count() && hitsA == a.ProducingSteps.Count();
        await BenchOutput.WriteAsync(output, Name, $"cold through A {BenchOutput.Seconds(cold.Duration)}; B's store {emptied}").ConfigureAwait(false);
        await BenchOutput.WriteAsync(output, Name, $"warm build and OCI export: through B {BenchOutput.Seconds(throughB)} (build {BenchOutput.Seconds(b.Duration)} of which context upload {BenchOutput.Seconds(b.Upload)}, {hitsB} of {b.ProducingSteps.Count()} steps hits; export {BenchOutput.Seconds(throughB - b.Duration)}), through A {BenchOutput.Seconds(throughA)} (build {BenchOutput.Seconds(a.Duration)} of which context upload {BenchOutput.Seconds(a.Upload)}, {hitsA} of {a.ProducingSteps.Count()} hits; export {BenchOutput.Seconds(throughA - a.Duration)})").ConfigureAwait(false);
        var ratioMet = await BenchOutput.WriteRatioAsync(output, Name, "warm through B vs through A", throughB, throughA, Target).ConfigureAwait(false);
        return allHits && ratioMet;
    }

    /// <summary>Builds through a silo and exports the image through it, timing both together (the build's own time is its outcome's).</summary>
    private static async Task<(TimeSpan Total, BuildOutcome Build)> WarmAsync(BenchFarm farm, int silo, GeneratedContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var build = await farm.BuildAsync(silo, context.Directory, cancellationToken).ConfigureAwait(false);
        if (build.Succeeded)
        {
            build = await farm.ExportAsync(silo, build, cancellationToken).ConfigureAwait(false);
        }

        return (Stopwatch.GetElapsedTime(started), build);
    }

    private static async Task<string> RunShellAsync(string command, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode == 0
            ? $"emptied by `{command}`"
            : throw new InvalidOperationException($"--empty-store-command `{command}` exited with {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()}");
    }
}
