using BuildFarm.Oci;

namespace BuildFarm.Storage.Images;

/// <summary>What removing an image took away: names, or the entry of an unnamed image (whose <see cref="CatalogImage.Name"/> is null).</summary>
/// <param name="Id">The image's ID, as listings show it.</param>
public sealed record ImageRemoval(Digest Id, IReadOnlyList<CatalogImage> Removed);
