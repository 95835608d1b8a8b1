using BuildFarm.Execution.Sandbox;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Steps;

/// <summary>A RUN step: a process run on top of a chain of layers, whose changes become a new layer.</summary>
public sealed record RunStepRequest
{
    /// <summary>The layers the step runs on, bottom first as an image config lists them; empty for scratch.</summary>
    public required IReadOnlyList<LayerBlob> Parents { get; init; }

    public required SandboxProcess Process { get; init; }

    /// <summary>How the layer is written (compression, timestamp clamping); gzip by default.</summary>
    public LayerWriterOptions? Layer { get; init; }

    /// <summary>A live lease of the content store that the new layer blob is added to, so eviction leaves it until the caller records it.</summary>
    public string? LeaseId { get; init; }
}
