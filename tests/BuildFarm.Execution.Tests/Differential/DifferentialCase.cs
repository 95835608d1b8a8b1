namespace BuildFarm.Execution.Tests.Differential;

/// <summary>One Dockerfile of the corpus (TestData/differential/&lt;Name&gt;), how it is built, and where buildah differs.</summary>
public sealed record DifferentialCase(string Name)
{
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }

    public IReadOnlyList<BuildahDifference> Differences { get; init; } = [];

    public override string ToString() => Name;
}
