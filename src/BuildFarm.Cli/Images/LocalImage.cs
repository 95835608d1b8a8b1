using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Images;

/// <summary>An image of the data directory: its name (none for an image loaded without one) and its manifest or index.</summary>
internal sealed record LocalImage(ImageReference? Name, Descriptor Target);
