using System.Diagnostics;
using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Bench;

/// <summary>
/// A build made cold through silo A, then built warm through silo B whose store was emptied, and
/// warm through A: every step is a hit both times, and B, which must fetch the image's blobs from
/// its peers for the OCI export, takes at most 1.5 times as long as A. Seven rounds, each with
/// its own context and B emptied again; the ratio is of the rounds' medians (a build of tens of
/// milliseconds on a small machine meets pauses of tens of milliseconds: with three rounds, one
/// decided the ratio).
/// </summary>
internal static class WarmElsewhere
{
    public const string Name = "elsewhere";

    private const double Target = 1.5;
    private const int Rounds = 7;

    public static async Task<bool> RunAsync(BenchFarm farm, string runId, TextWriter output, CancellationToken cancellationToken)
    {
        if (farm.SiloCount < 2)
        {
            await BenchOutput.WriteAsync(output, Name, "skipped: it needs two --server addresses, silo A and silo B").ConfigureAwait(false);
            return true;
        }

        var throughB = new List<TimeSpan>();
        var throughA = new List<TimeSpan>();
        var allHits = true;
        for (var round = 1; round <= Rounds; round++)
        {
            var context = GeneratedContext.Create(Path.Combine(farm.Settings.WorkDirectory, $"elsewhere-{round}"), $"elsewhere-{runId}-{round}");
            var cold = await farm.BuildAsync(0, context.Directory, cancellationToken).ConfigureAwait(false);
            if (!await BenchOutput.WriteFailuresAsync(output, Name, [cold]).ConfigureAwait(false))
            {
                return false;
            }

            var emptied = "not emptied: no --empty-store-command, so B holds what replication put there";
            if (farm.Settings.EmptyStoreCommand is { } command)
            {
                emptied = await RunShellAsync(command, cancellationToken).ConfigureAwait(false);
                await farm.ReloadBaseImageAsync(1, cancellationToken).ConfigureAwait(false);
                if (await WarmUpAsync(farm, runId, round, cancellationToken).ConfigureAwait(false) is not { } warmUp)
                {
                    await BenchOutput.WriteAsync(output, Name, $"round {round}: the warm-up failed").ConfigureAwait(false);
                    return false;
                }

                emptied += $"; B's first build and export after that, of another context made through A (the warm-up), took {BenchOutput.Seconds(warmUp)}";
            }

            var (timedB, b) = await WarmAsync(farm, 1, context, cancellationToken).ConfigureAwait(false);
            var (timedA, a) = await WarmAsync(farm, 0, context, cancellationToken).ConfigureAwait(false);
            if (!await BenchOutput.WriteFailuresAsync(output, Name, [b, a]).ConfigureAwait(false))
            {
                return false;
            }

            var hitsB = b.ProducingSteps.Count(static s => s.Outcome == StepOutcomes.Cached);
            var hitsA = a.ProducingSteps.Count(static s => s.Outcome == StepOutcomes.Cached);
            allHits &= hitsB == b.ProducingSteps.Count() && hitsA == a.ProducingSteps.Count();
            throughB.Add(timedB);
            throughA.Add(timedA);
            await BenchOutput.WriteAsync(output, Name, $"round {round}: cold through A {BenchOutput.Seconds(cold.Duration)}; B's store {emptied}").ConfigureAwait(false);
            await BenchOutput.WriteAsync(output, Name, $"round {round}: warm build and OCI export: through B {BenchOutput.Seconds(timedB)} (build {BenchOutput.Seconds(b.Duration)} of which context upload {BenchOutput.Seconds(b.Upload)}, {hitsB} of {b.ProducingSteps.Count()} steps hits; export {BenchOutput.Seconds(timedB - b.Duration)}), through A {BenchOutput.Seconds(timedA)} (build {BenchOutput.Seconds(a.Duration)} of which context upload {BenchOutput.Seconds(a.Upload)}, {hitsA} of {a.ProducingSteps.Count()} hits; export {BenchOutput.Seconds(timedA - a.Duration)})").ConfigureAwait(false);
        }

        var ratioMet = await BenchOutput.WriteRatioAsync(output, Name, $"warm through B vs through A, medians of {Rounds} rounds", Median(throughB), Median(throughA), Target).ConfigureAwait(false);
        return allHits && ratioMet;
    }

    /// <summary>
    /// What the timed build through B does, once on a context of its own made cold through A and
    /// sharing no layer with the timed one (another seed, library and app): hits recorded by A,
    /// their layers fetched from peers for an export. The timing is then of fetching, not of a
    /// restarted process's first calls; what the warm-up took is printed too.
    /// </summary>
    private static async Task<TimeSpan?> WarmUpAsync(BenchFarm farm, string runId, int round, CancellationToken cancellationToken)
    {
        var warmUp = GeneratedContext.Create(Path.Combine(farm.Settings.WorkDirectory, $"elsewhere-warm-up-{round}"), $"elsewhere-warm-up-{runId}-{round}");
        warmUp.Edit($"warm-up {runId} {round}");
        File.WriteAllText(Path.Combine(warmUp.Directory, "lib", "warm-up.txt"), $"warm-up {runId} {round}\n");
        if (!(await farm.BuildAsync(0, warmUp.Directory, cancellationToken).ConfigureAwait(false)).Succeeded)
        {
            return null;
        }

        var (took, build) = await WarmAsync(farm, 1, warmUp, cancellationToken).ConfigureAwait(false);
        return build.Succeeded ? took : null;
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    private static async Task<(TimeSpan Total, BuildOutcome Build)> WarmAsync(BenchFarm farm, int silo, GeneratedContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // Submitted with its output, as `farm build --output type=oci,dest=...` submits it: the silo
        // knows the image's layers will be read.
        var build = await farm.BuildAsync(silo, context.Directory, cancellationToken, Api.V1.OutputType.Oci).ConfigureAwait(false);
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
