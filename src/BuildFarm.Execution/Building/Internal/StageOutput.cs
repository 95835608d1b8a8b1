using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>A finished stage: its layers, bottom first (base image's included), and its image config.</summary>
internal sealed record StageOutput(IReadOnlyList<LayerBlob> Layers, ImageConfig Config);
