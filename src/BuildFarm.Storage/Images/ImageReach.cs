using BuildFarm.Oci;

namespace BuildFarm.Storage.Images;

/// <summary>What named images reach.</summary>
/// <param name="Blobs">Their indexes, manifests, configs and layers (whether or not the store still holds each).</param>
/// <param name="DiffIds">The diffIDs their configs list: the layers' uncompressed digests, which name unpacked snapshots.</param>
public sealed record ImageReach(IReadOnlySet<Digest> Blobs, IReadOnlySet<Digest> DiffIds);
