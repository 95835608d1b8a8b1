using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Eviction;

/// <summary>What one eviction removed.</summary>
/// <param name="Evicted">The blobs removed, in the order they were removed (least recently used first).</param>
/// <param name="BytesEvicted">The sum of their sizes.</param>
/// <param name="BytesRemaining">What the store held afterwards; above the target when the rest is leased or referenced by an image.</param>
public sealed record EvictionResult(IReadOnlyList<BlobInfo> Evicted, long BytesEvicted, long BytesRemaining);
