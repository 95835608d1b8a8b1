using BuildFarm.Dockerfile.Planning;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>An image a stage starts from (or copies from): its config and its layers, bottom first.</summary>
/// <param name="Manifest">The platform's manifest the reference resolved to: what names this image in a step description.</param>
internal sealed record BaseImage(string Reference, Digest Manifest, ImageConfig Config, IReadOnlyList<LayerBlob> Layers)
{
    /// <summary>What the reference named: the index of several platforms' manifests, or <see cref="Manifest"/> itself.</summary>
    public Digest Resolved { get; init; } = Manifest;

    /// <summary>What the planner needs of the config: env, working dir, user, shell and ONBUILD triggers.</summary>
    public BaseImageConfig ToPlannerConfig()
    {
        var config = Config.Config;
        return new BaseImageConfig(config?.Env ?? [], config?.WorkingDir ?? string.Empty, config?.User ?? string.Empty, config?.Shell ?? [])
        {
            OnBuild = config?.OnBuild ?? [],
        };
    }
}
