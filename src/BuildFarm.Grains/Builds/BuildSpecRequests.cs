using BuildFarm.Execution.Building;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Oci;

namespace BuildFarm.Grains.Builds;

/// <summary>A client's <see cref="BuildSpec"/> as the build engine's request.</summary>
public static class BuildSpecRequests
{
    /// <summary>The engine's request for <paramref name="spec"/>: the build the grain runs, and what a submission is checked against.</summary>
    public static BuildRequest ToBuildRequest(this BuildSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new BuildRequest
        {
            ContextTree = Digest.Parse(spec.ContextDigest),
            DockerfilePath = spec.DockerfilePath,
            DockerfileContent = spec.DockerfileContent,
            BuildArgs = spec.BuildArgs,
            Target = spec.Target,
            NoCache = spec.NoCache,
            Pull = spec.Pull,
            NoCacheFilter = spec.NoCacheFilter,
            Labels = spec.Labels,
            ExtraHosts = [.. spec.ExtraHosts.Select(ExtraHost.Parse)],
            Entitlements = spec.Entitlements,
            ImageIsExported = spec.Exported,
        };
    }
}
