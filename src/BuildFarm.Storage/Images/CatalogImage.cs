using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Storage.Images;

/// <summary>An image of the catalog: its name (none for an image loaded without one) and its manifest or index.</summary>
public sealed record CatalogImage(ImageReference? Name, Descriptor Target);
