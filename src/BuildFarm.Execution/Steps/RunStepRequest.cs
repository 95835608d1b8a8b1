using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Steps;

/// <summary>A RUN step: a process run on top of a chain of layers, whose changes become a new layer.</summary>
public sealed record RunStepRequest
{
    /// <summary>The layers the step runs on, bottom first as an image config lists them; empty for scratch.</summary>
    public required IReadOnlyList<LayerBlob> Parents { get; init; }

    public required SandboxProcess Process { get; init; }

    /// <summary>The step's <c>RUN --mount</c>s as the planner gives them (<c>PlannedStep.Mounts</c>).</summary>
    public IReadOnlyList<RunMount> Mounts { get; init; } = [];

    /// <summary>Where the mounts' contexts, stages, secrets and agents come from; null when the build has none.</summary>
    public IMountSources? MountSources { get; init; }

    /// <summary>How the layer is written (compression, timestamp clamping); gzip by default.</summary>
    public LayerWriterOptions? Layer { get; init; }

    /// <summary>A live lease of the content store that the new layer blob is added to, so eviction leaves it until the caller records it.</summary>
    public string? LeaseId { get; init; }
}
