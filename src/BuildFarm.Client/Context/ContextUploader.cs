using System.Buffers;
using System.Security.Cryptography;
using BuildFarm.Api.V1;
using BuildFarm.Oci;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Client.Context;

/// <summary>
/// Uploads a <see cref="ContextSnapshot"/> to the farm by content: asks which of its blobs the farm
/// lacks and sends only those, in chunks small enough to stay off the large object heap.
/// </summary>
public sealed class ContextUploader
{
    /// <summary>Bytes of blob data per chunk: with its few bytes of framing a message stays well under 85,000 bytes.</summary>
    public const int ChunkBytes = 64 * 1024;

    /// <summary>Blobs per FindMissing call, keeping each request far below gRPC's 4 MB message limit.</summary>
    public const int FindMissingBatch = 10_000;

    private readonly Api.V1.Content.ContentClient _client;

    public ContextUploader(Api.V1.Content.ContentClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <summary>Makes sure the farm holds every blob of <paramref name="snapshot"/>, sending only the missing ones.</summary>
    /// <exception cref="IOException">A context file changed since the snapshot was taken; nothing of it was stored.</exception>
    /// <exception cref="RpcException">The farm refused a request or could not be reached.</exception>
    public async Task<ContextUploadResult> UploadAsync(ContextSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var missing = await FindMissingAsync(snapshot, cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
        {
            return new ContextUploadResult(snapshot.Blobs.Count, 0, 0, 0, 0);
        }

        using var call = _client.Upload(cancellationToken: cancellationToken);
        var bytes = 0L;
        var chunks = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach (var blob in missing)
            {
                chunks += await SendAsync(call.RequestStream, blob, buffer, cancellationToken).ConfigureAwait(false);
                bytes += blob.Size;
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
        return new ContextUploadResult(snapshot.Blobs.Count, missing.Count, response.Stored.Count, bytes, chunks);
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
                    throw new IOException($"The context's {blob.Description} changed after it was hashed; take the snapshot again.");
                }

                var chunk = new UploadChunk { Offset = offset, Data = ByteString.CopyFrom(buffer, 0, read) };
                if (offset == 0)
                {
                    chunk.Blob = new BlobRef { Digest = blob.Digest.ToString(), Size = blob.Size };
                }

                await stream.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                offset += read;
                chunks++;
            }
            while (offset < blob.Size);

            return chunks;
        }
    }
}
