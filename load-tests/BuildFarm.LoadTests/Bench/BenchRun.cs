namespace BuildFarm.LoadTests.Bench;

/// <summary>Runs the chosen benchmarks in order; each prints its figures and whether it met its target.</summary>
public static class BenchRun
{
    public static IReadOnlyList<string> ScenarioNames { get; } = [IdenticalBuilds.Name, WarmElsewhere.Name, SpreadOverSilos.Name];

    /// <returns>0 when every scenario that ran met its target, 1 otherwise.</returns>
    public static async Task<int> RunAsync(BenchSettings settings, IReadOnlyCollection<string> scenarios, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(output);
        var runId = Guid.NewGuid().ToString("N")[..12];
        using var farm = new BenchFarm(settings);
        // A silo that fails its warm-up is reported; the scenarios then show what it breaks.
        var met = await BenchOutput.WriteFailuresAsync(output, "warm-up", await farm.WarmUpAsync(runId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        if (scenarios.Contains(IdenticalBuilds.Name))
        {
            met &= await IdenticalBuilds.RunAsync(farm, runId, output, cancellationToken).ConfigureAwait(false);
        }

        if (scenarios.Contains(WarmElsewhere.Name))
        {
            met &= await WarmElsewhere.RunAsync(farm, runId, output, cancellationToken).ConfigureAwait(false);
        }

        if (scenarios.Contains(SpreadOverSilos.Name))
        {
            met &= await SpreadOverSilos.RunAsync(farm, runId, output, cancellationToken).ConfigureAwait(false);
        }

        return met ? 0 : 1;
    }
}
