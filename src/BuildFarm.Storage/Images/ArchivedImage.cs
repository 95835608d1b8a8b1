using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Storage.Images;

/// <summary>An image from an archive, with the names the archive gives it (none when it gives none).</summary>
public sealed record ArchivedImage(Descriptor Target, IReadOnlyList<ImageReference> Names);
