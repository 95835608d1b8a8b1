using BuildFarm.Storage.Eviction;

namespace BuildFarm.Storage.Content;

/// <summary>The outcome of a <see cref="ContentStore.WriteBatch"/>.</summary>
/// <param name="Blobs">One outcome per blob of the batch, in the batch's order.</param>
/// <param name="Eviction">The eviction the batch set off by taking the store above its maximum size, if any.</param>
public sealed record BlobBatchResult(IReadOnlyList<BatchBlobOutcome> Blobs, EvictionResult? Eviction);
