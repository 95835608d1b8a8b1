namespace BuildFarm.Client.Context;

/// <summary>What an upload did.</summary>
/// <param name="BlobsInTree">Blobs of the snapshot (nodes and distinct file contents).</param>
/// <param name="BlobsMissing">Of those, how many the farm lacked.</param>
/// <param name="BlobsStored">How many blobs the farm reports stored by this upload (equal to <paramref name="BlobsMissing"/>).</param>
/// <param name="BytesUploaded">Blob bytes sent.</param>
/// <param name="Chunks">Upload (streaming) messages sent, for the blobs too large for a batch.</param>
/// <param name="Batches">UploadBatch calls made, for the small blobs.</param>
public sealed record ContextUploadResult(int BlobsInTree, int BlobsMissing, int BlobsStored, long BytesUploaded, int Chunks, int Batches);
