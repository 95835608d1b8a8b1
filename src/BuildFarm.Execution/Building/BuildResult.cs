using BuildFarm.Dockerfile.Planning;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building;

/// <summary>What a build produced: an image in the content store and how each step got its result.</summary>
/// <param name="Manifest">The image manifest, stored in the content store.</param>
/// <param name="Config">The image config (its blob is <see cref="ImageManifest.Config"/> of the manifest).</param>
/// <param name="ConfigDigest">The digest of the config blob: the image ID.</param>
/// <param name="Steps">Every step of every stage the build ran, in plan order.</param>
public sealed record BuildResult(Descriptor Manifest, ImageConfig Config, Digest ConfigDigest, IReadOnlyList<StepResult> Steps);

/// <summary>How a step got its result.</summary>
public enum StepOutcome
{
    /// <summary>Ran here.</summary>
    Ran,

    /// <summary>A recorded result with the same cache key was reused.</summary>
    Cached,

    /// <summary>Another build was running the same key; this one waited for that result.</summary>
    Joined,

    /// <summary>A step that only changes the image config (ENV, LABEL, ...): nothing to run.</summary>
    ConfigOnly,
}

/// <summary>One step's outcome.</summary>
/// <param name="Id">Stage index and position.</param>
/// <param name="Name">As BuildKit shows it: <c>[build 2/4] RUN make</c>.</param>
/// <param name="Key">The step's cache key.</param>
/// <param name="Outcome">Ran, cached, joined, or config only.</param>
/// <param name="Duration">Time from start to result, the wait for a joined run included.</param>
/// <param name="Layer">The layer it contributed, or null (config-only steps, and steps that changed nothing).</param>
/// <param name="Worker">The silo that ran it (for a cached step, the one that ran it first).</param>
public sealed record StepResult(StepId Id, string Name, Digest Key, StepOutcome Outcome, TimeSpan Duration, LayerBlob? Layer, string Worker)
{
    /// <summary>True when no work was done for it here: <see cref="StepOutcome.Cached"/>.</summary>
    public bool Cached => Outcome == StepOutcome.Cached;
}
