using BuildFarm.Oci.Images;

namespace BuildFarm.Storage.Images;

/// <summary>An image name and the manifest or index it names.</summary>
/// <param name="Name">The name as the caller stored it (normalised by the caller, e.g. <c>docker.io/library/app:1.0</c>).</param>
/// <param name="Target">The manifest or index descriptor.</param>
/// <param name="CreatedAt">When the name was first stored.</param>
/// <param name="UpdatedAt">When the name last changed target.</param>
public sealed record ImageRecord(string Name, Descriptor Target, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
