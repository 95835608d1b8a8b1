using BuildFarm.Testing.FileTrees;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>
/// Something buildah 1.28 does differently from Docker (BuildKit) for one case, and how to turn
/// buildah's result into what BuildKit makes, so that the rest of the case is still compared.
/// Every one says why: the reference behaviour and where it is written.
/// </summary>
public sealed record BuildahDifference(string Why)
{
    /// <summary>Turns buildah's tree into BuildKit's.</summary>
    public Func<FileTree, FileTree> Tree { get; init; } = static tree => tree;

    /// <summary>Turns buildah's config into BuildKit's.</summary>
    public Func<ComparableConfig, ComparableConfig> Config { get; init; } = static config => config;
}
