using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Layers;

/// <summary>A layer as written: the blob's descriptor and the digest of its uncompressed tar.</summary>
/// <param name="Descriptor">The blob: OCI layer media type for its compression, digest and size of the bytes written.</param>
/// <param name="DiffId">The digest of the uncompressed tar, as listed in the config's <c>rootfs.diff_ids</c>.</param>
/// <param name="UncompressedSize">The length of the uncompressed tar.</param>
public sealed record LayerBlob(Descriptor Descriptor, Digest DiffId, long UncompressedSize);
