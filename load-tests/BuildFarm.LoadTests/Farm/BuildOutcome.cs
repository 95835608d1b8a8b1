using BuildFarm.Api.V1;

namespace BuildFarm.LoadTests.Farm;

/// <summary>One build as the tool saw it: where it went, how long it took from walking its context to its last event, and its result or error.</summary>
/// <param name="Server">The farm address the build was sent to.</param>
/// <param name="BuildId">The farm's id for it; empty when it failed before the farm accepted it.</param>
/// <param name="Result">What it made; null when it failed.</param>
/// <param name="Error">What went wrong; null when it succeeded.</param>
public sealed record BuildOutcome(Uri Server, TimeSpan Duration, string BuildId, BuildResult? Result, string? Error)
{
    /// <summary>How long walking the context and sending what the farm lacked of it took, of <see cref="Duration"/>.</summary>
    public TimeSpan Upload { get; init; }

    /// <summary>The steps that ran, as the build's events told them.</summary>
    public IReadOnlyList<StepRunTimes> StepRuns { get; init; } = [];

    public bool Succeeded => Result is not null;

    /// <summary>Steps that had to produce a layer or reuse one (ran, cached, joined); config-only steps count neither way.</summary>
    public IEnumerable<StepSummary> ProducingSteps => Result?.Steps.Where(static step => step.Outcome != StepOutcomes.Config) ?? [];
}

/// <summary>The values of <see cref="StepSummary.Outcome"/> (builds.proto).</summary>
public static class StepOutcomes
{
    public const string Ran = "ran";
    public const string Cached = "cached";
    public const string Joined = "joined";
    public const string Config = "config";
}

/// <summary>One step that ran, on the clocks of the silos that reported its events (one machine's clock in a bench).</summary>
/// <param name="Queued">When the build queued it, before its inputs were known.</param>
/// <param name="Started">When it began running on <paramref name="Silo"/>.</param>
/// <param name="Finished">When the build learnt its result.</param>
/// <param name="Took">Its StepFinished duration: from its inputs being ready (its turn in its stage) to its result, the wait for a slot included.</param>
public sealed record StepRunTimes(string Name, string Silo, DateTimeOffset Queued, DateTimeOffset Started, DateTimeOffset Finished, TimeSpan Took)
{
    /// <summary>When its inputs were ready and it began to wait for a slot.</summary>
    public DateTimeOffset Ready => Finished - Took;
}
