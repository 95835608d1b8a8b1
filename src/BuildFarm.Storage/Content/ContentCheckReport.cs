namespace BuildFarm.Storage.Content;

/// <summary>The outcome of <see cref="ContentStore.CheckAsync"/>.</summary>
/// <param name="BlobsChecked">How many blobs were read and hashed.</param>
/// <param name="BytesChecked">How many bytes those blobs held.</param>
/// <param name="Corrupt">The blobs that did not match their digest, all removed from the store, in digest order.</param>
public sealed record ContentCheckReport(int BlobsChecked, long BytesChecked, IReadOnlyList<CorruptBlob> Corrupt);
