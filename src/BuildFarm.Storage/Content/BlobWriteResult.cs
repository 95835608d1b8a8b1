using BuildFarm.Storage.Eviction;

namespace BuildFarm.Storage.Content;

/// <summary>The outcome of a committed write.</summary>
/// <param name="Blob">The blob as the store now holds it.</param>
/// <param name="Created">False when the store already held the blob (another writer got there first).</param>
/// <param name="Eviction">The eviction this write set off by taking the store above its maximum size, if any.</param>
public sealed record BlobWriteResult(BlobInfo Blob, bool Created, EvictionResult? Eviction);
