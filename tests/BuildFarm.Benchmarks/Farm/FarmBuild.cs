namespace BuildFarm.Benchmarks.Farm;

/// <summary>One step of a farm build: its name and outcome as <c>--metadata-file</c> reports them under <c>buildfarm.steps</c>.</summary>
/// <param name="Outcome"><c>ran</c>, <c>cached</c>, <c>joined</c>, or <c>config</c> for a step with nothing to run (ENV, ...).</param>
/// <param name="Started">When its <c>stepStarted</c> event came, in seconds since <c>farm build</c> started; null when it did not start (cached, config).</param>
/// <param name="Finished">When its <c>stepFinished</c> event came. The metadata's <c>seconds</c> also count the wait for
/// a <c>COPY --from</c> stage and for a free slot, so the events tell what the step itself took.</param>
public sealed record FarmStep(string Name, string Outcome, double? Started, double? Finished)
{
    public bool Ran => Outcome is "ran" or "joined";

    public bool Cached => Outcome == "cached";

    /// <summary>Steps with nothing to run (ENV, WORKDIR, ...) count neither as run nor as cached.</summary>
    public bool ConfigOnly => Outcome == "config";

    /// <summary>What the step itself took, from its events; null when it did not run here.</summary>
    public double? Seconds => Finished - Started;
}

/// <summary>
/// A finished <c>farm build</c>: its wall-clock time (process start to exit), its steps, when the
/// farm's first and last events came and the gRPC calls the server saw from it, all in seconds
/// since the process started. <see cref="FarmPhases"/> turns these into where the time went.
/// </summary>
public sealed record FarmBuild(double Seconds, IReadOnlyList<FarmStep> Steps, double FirstEvent, double LastEvent, IReadOnlyList<ServerRequest> Requests);
