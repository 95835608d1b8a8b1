using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Registry;

/// <summary>What a pull brought: the image manifest (chosen from an index when the reference named one) and where it is.</summary>
/// <param name="Reference">The image pinned by digest: <c>registry/path@sha256:...</c>.</param>
/// <param name="Manifest">The image manifest's descriptor, with the platform when it came from an index.</param>
/// <param name="Image">The parsed image manifest.</param>
/// <param name="Index">The index the reference named, when it named one.</param>
public sealed record PulledImage(ImageReference Reference, Descriptor Manifest, ImageManifest Image, Descriptor? Index);
