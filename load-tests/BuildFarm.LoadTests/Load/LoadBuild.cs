using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Load;

/// <summary>One build of a load run and what kind it was meant to be.</summary>
public sealed record LoadBuild(BuildKind Kind, BuildOutcome Outcome);
