using BuildFarm.Api.V1;
using BuildFarm.Storage.Content;

namespace BuildFarm.Server.Content.Internal;

/// <summary>
/// Turns an UploadBatch request into the store's batch, refusing with INVALID_ARGUMENT a request
/// that passes a limit or names a blob badly; the message names the limit and the blob's index.
/// Whether each blob's bytes match its digest is the store's to check, blob by blob.
/// </summary>
internal static class UploadBatchReader
{
    public static List<BatchBlob> Read(UploadBatchRequest request)
    {
        if (request.Blobs.Count > UploadBatchLimits.MaxBlobs)
        {
            throw BlobRefs.Invalid($"the batch has {request.Blobs.Count} blobs, more than the {UploadBatchLimits.MaxBlobs} allowed per UploadBatch call");
        }

        var blobs = new List<BatchBlob>(request.Blobs.Count);
        var totalBytes = 0L;
        for (var i = 0; i < request.Blobs.Count; i++)
        {
            var blob = request.Blobs[i];
            var where = $"blobs[{i}]";
            if (blob.Blob is null)
            {
                throw BlobRefs.Invalid($"{where} names no blob: each carries its digest and size");
            }

            var digest = BlobRefs.ParseDigest(blob.Blob, where);
            var length = blob.Data.Length;
            if (length > UploadBatchLimits.MaxBlobBytes)
            {
                throw BlobRefs.Invalid($"{where}: blob {digest} has {length} bytes of data, more than the {UploadBatchLimits.MaxBlobBytes} a batch takes per blob; send it with Upload");
            }

            totalBytes += length;
            if (totalBytes > UploadBatchLimits.MaxBytes)
            {
                throw BlobRefs.Invalid($"{where}: blob {digest} takes the batch to {totalBytes} bytes of data, more than the {UploadBatchLimits.MaxBytes} allowed per UploadBatch call");
            }

            blobs.Add(new BatchBlob(digest, blob.Blob.Size, blob.Data.Memory));
        }

        return blobs;
    }
}
