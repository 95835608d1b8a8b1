using System.Buffers;
using System.Security.Cryptography;
using BuildFarm.Api.V1;
using BuildFarm.Oci;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Client.Context;

/// <summary>
/// Uploads a <see cref="ContextSnapshot"/> to the farm by content: asks which of its blobs the farm
/// lacks and sends only those. Small blobs (most files of a context, and the directory nodes) go
/// in UploadBatch calls, several in flight, each read and checked against its digest as its batch
/// is filled; larger ones are streamed in chunks small enough to stay off the large object heap.
/// </summary>
public sealed class ContextUploader
{
    /// <summary>Bytes of blob data per chunk: with its few bytes of framing a message stays well under 85,000 bytes.</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>Blobs per FindMissing call, keeping each request far below gRPC's 4 MB message limit.</summary>
    public const int FindMissingBatch = 10_000;

    /// <summary>Blobs per UploadBatch call: the farm's limit (content.proto).</summary>
    public const int MaxBatchBlobs = 1_000;

    /// <summary>Bytes of blob data per UploadBatch call, all blobs together: the farm's limit (content.proto).</summary>
    public const int MaxBatchBytes = 2 * 1024 * 1024;

    /// <summary>The largest blob sent in a batch, the farm's limit per blob (content.proto); larger ones are streamed.</summary>
    public const int MaxBatchedBlobBytes = 64 * 1024;

    /// <summary>
    /// UploadBatch calls in flight at once: while the farm syncs one batch to disk, the next ones
    /// are read, hashed and on the wire. More would only hold more memory (up to 2 MiB each).
    /// </summary>
    public const int BatchesInFlight = 4;

    private readonly Api.V1.Content.ContentClient _client;
    private readonly bool _batchSmallBlobs;

    /// <param name="client">The farm's Content service.</param>
    /// <param name="batchSmallBlobs">
    /// False streams every blob through Upload, one message or more per blob, as clients did before
    /// UploadBatch; the upload benchmark compares the two ways.
    /// </param>
    public ContextUploader(Api.V1.Content.ContentClient client, bool batchSmallBlobs = true)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _batchSmallBlobs = batchSmallBlobs;
    }

    /// <summary>Makes sure the farm holds every blob of <paramref name="snapshot"/>, sending only the missing ones.</summary>
    /// <exception cref="IOException">
    /// A context file changed since the snapshot was taken (nothing of it was stored), or the farm
    /// refused a blob of a batch as not matching its digest.
    /// </exception>
    /// <exception cref="RpcException">The farm refused a request or could not be reached.</exception>
    public async Task<ContextUploadResult> UploadAsync(ContextSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var missing = await FindMissingAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var batched = _batchSmallBlobs ? missing.Where(static blob => blob.Size <= MaxBatchedBlobBytes).ToList() : [];
        var streamed = _batchSmallBlobs ? missing.Where(static blob => blob.Size > MaxBatchedBlobBytes).ToList() : missing;
        var batches = PackBatches(batched);
        var batchesStored = await SendBatchesAsync(batches, cancellationToken).ConfigureAwait(false);
        var (streamStored, chunks) = streamed.Count == 0 ? (0, 0) : await StreamAsync(streamed, cancellationToken).ConfigureAwait(false);
        return new ContextUploadResult(snapshot.Blobs.Count, missing.Count, batchesStored + streamStored, missing.Sum(static blob => blob.Size), chunks, batches.Count);
    }

    /// <summary>Groups blobs, in order, into batches within the farm's limits of blobs and bytes per call.</summary>
    private static List<List<ContextBlob>> PackBatches(List<ContextBlob> blobs)
    {
        var batches = new List<List<ContextBlob>>();
        var current = new List<ContextBlob>();
        var bytes = 0L;
        foreach (var blob in blobs)
        {
            if (current.Count == MaxBatchBlobs || bytes + blob.Size > MaxBatchBytes)
            {
                batches.Add(current);
                current = [];
                bytes = 0;
            }

            current.Add(blob);
            bytes += blob.Size;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    /// <summary>Sends the batches, at most <see cref="BatchesInFlight"/> at once, and returns how many blobs the farm stored.</summary>
    private async Task<int> SendBatchesAsync(List<List<ContextBlob>> batches, CancellationToken cancellationToken)
    {
        var stored = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = BatchesInFlight, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(batches, options, async (batch, token) =>
        {
            var request = new UploadBatchRequest();
            foreach (var blob in batch)
            {
                var data = await ReadCheckedAsync(blob, token).ConfigureAwait(false);
                request.Blobs.Add(new BlobData { Blob = Ref(blob), Data = UnsafeByteOperations.UnsafeWrap(data) });
            }

            var response = await _client.UploadBatchAsync(request, cancellationToken: token).ConfigureAwait(false);
            if (response.Results.Count != batch.Count)
            {
                throw new InvalidOperationException($"The farm answered an UploadBatch of {batch.Count} blobs with {response.Results.Count} results.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (response.Results[i].Error is { Length: > 0 } error)
                {
                    // The bytes were checked against the digest just before sending: the farm got other bytes.
                    throw new IOException($"The farm did not store the context's {batch[i].Description}: {error}");
                }
            }

            Interlocked.Add(ref stored, batch.Count);
        }).ConfigureAwait(false);
        return stored;
    }

    /// <summary>Reads a small blob whole and checks it still has its digest: a file changed since the snapshot is never sent.</summary>
    private static async Task<byte[]> ReadCheckedAsync(ContextBlob blob, CancellationToken cancellationToken)
    {
        var data = new byte[blob.Size];
        var content = blob.OpenRead();
        await using (content.ConfigureAwait(false))
        {
            var read = await content.ReadAtLeastAsync(data, data.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < data.Length || Digest.Sha256(data) != blob.Digest)
            {
                throw Changed(blob);
            }
        }

        return data;
    }

    /// <summary>Streams blobs through one Upload call; returns how many the farm stored and how many chunks were sent.</summary>
    private async Task<(int Stored, int Chunks)> StreamAsync(List<ContextBlob> blobs, CancellationToken cancellationToken)
    {
        using var call = _client.Upload(cancellationToken: cancellationToken);
        var chunks = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach (var blob in blobs)
            {
                chunks += await SendAsync(call.RequestStream, blob, buffer, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException && call.ResponseAsync.IsCompleted)
        {
            // The farm ended the call early (it refused a chunk): its status says why.
            await call.ResponseAsync.ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        var response = await call.ResponseAsync.ConfigureAwait(false);
        return (response.Stored.Count, chunks);
    }

    private async Task<List<ContextBlob>> FindMissingAsync(ContextSnapshot snapshot, CancellationToken cancellationToken)
    {
        var byDigest = snapshot.Blobs.ToDictionary(static blob => blob.Digest.ToString(), StringComparer.Ordinal);
        var missing = new List<ContextBlob>();
        foreach (var batch in snapshot.Blobs.Chunk(FindMissingBatch))
        {
            var request = new FindMissingRequest();
            request.Blobs.AddRange(batch.Select(static blob => new BlobRef { Digest = blob.Digest.ToString(), Size = blob.Size }));
            var response = await _client.FindMissingAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
            missing.AddRange(response.Missing.Select(blob => byDigest.TryGetValue(blob.Digest, out var known)
                ? known
                : throw new InvalidOperationException($"The farm answered FindMissing with the blob \"{blob.Digest}\", which it was not asked about.")));
        }

        return missing;
    }

    /// <summary>Sends one blob as chunks and returns how many; a file that no longer has its digest is never completed.</summary>
    private static async Task<int> SendAsync(IClientStreamWriter<UploadChunk> stream, ContextBlob blob, byte[] buffer, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var content = blob.OpenRead();
        await using (content.ConfigureAwait(false))
        {
            var offset = 0L;
            var chunks = 0;
            do
            {
                var length = (int)Math.Min(ChunkBytes, blob.Size - offset);
                var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                hash.AppendData(buffer, 0, read);
                var last = offset + read == blob.Size;
                // The farm would reject the blob too; stopping before its last byte means it never sees a wrong one.
                if (read < length || (last && Digest.FromSha256Hash(hash.GetHashAndReset()) != blob.Digest))
                {
                    throw Changed(blob);
                }

                var chunk = new UploadChunk { Offset = offset, Data = ByteString.CopyFrom(buffer, 0, read) };
                if (offset == 0)
                {
                    chunk.Blob = Ref(blob);
                }

                await stream.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                offset += read;
                chunks++;
            }
            while (offset < blob.Size);

            return chunks;
        }
    }

    private static BlobRef Ref(ContextBlob blob) => new() { Digest = blob.Digest.ToString(), Size = blob.Size };

    private static IOException Changed(ContextBlob blob) =>
        new($"The context's {blob.Description} changed after it was hashed; take the snapshot again.");
}
