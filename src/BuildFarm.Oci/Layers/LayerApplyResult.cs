namespace BuildFarm.Oci.Layers;

/// <summary>What was unpacked: the digest and length of the uncompressed tar, and how many entries it had.</summary>
public sealed record LayerApplyResult(Digest DiffId, long UncompressedSize, int EntryCount);
