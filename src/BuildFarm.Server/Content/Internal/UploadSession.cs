using BuildFarm.Api.V1;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Server.Content.Internal;

/// <summary>
/// The state of one Upload stream: at most one blob is open at a time, its bytes going into a
/// store writer that makes it a blob only when the last byte has arrived and the digest checks.
/// Whatever is left open when the stream fails is dropped, so nothing partial is ever stored.
/// </summary>
internal sealed class UploadSession(ContentStore store) : IDisposable
{
    /// <summary>The largest chunk accepted: 64 KiB keeps every buffer off the large object heap.</summary>
    public const int MaxChunkBytes = 64 * 1024;

    private readonly List<StoredBlob> _stored = [];
    private BlobWriter? _writer;
    private Digest _digest;
    private long _size;
    private int _chunks;

    public IReadOnlyList<StoredBlob> Stored => _stored;

    public async Task AcceptAsync(UploadChunk chunk, CancellationToken cancellationToken)
    {
        _chunks++;
        if (chunk.Blob is { } blob)
        {
            Start(blob, chunk.Offset);
        }
        else if (_writer is null)
        {
            throw BlobRefs.Invalid($"chunk {_chunks} names no blob: the first chunk of each blob carries its digest and size");
        }

        var received = _writer!.BytesWritten;
        if (chunk.Offset != received)
        {
            throw BlobRefs.Invalid($"chunk {_chunks} of blob {_digest} starts at offset {chunk.Offset}, expected {received}: chunks must arrive in order");
        }

        if (chunk.Data.Length > MaxChunkBytes)
        {
            throw BlobRefs.Invalid($"chunk {_chunks} of blob {_digest} has {chunk.Data.Length} bytes, more than the {MaxChunkBytes} allowed");
        }

        if (received + chunk.Data.Length > _size)
        {
            throw BlobRefs.Invalid($"blob {_digest} was not stored: it was declared with {_size} bytes but chunk {_chunks} takes it to {received + chunk.Data.Length}");
        }

        await _writer.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
        if (_writer.BytesWritten == _size)
        {
            await CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Called when the client closed the stream.</summary>
    public void Complete()
    {
        if (_writer is not null)
        {
            throw BlobRefs.Invalid($"blob {_digest} was not stored: the stream ended after {_writer.BytesWritten} of its {_size} bytes");
        }
    }

    public void Dispose() => _writer?.Dispose();

    private void Start(BlobRef blob, long offset)
    {
        var digest = BlobRefs.ParseDigest(blob, $"chunk {_chunks}");
        if (_writer is not null)
        {
            throw BlobRefs.Invalid($"blob {_digest} was not stored: blob {digest} started after only {_writer.BytesWritten} of its {_size} bytes");
        }

        if (offset != 0)
        {
            throw BlobRefs.Invalid($"chunk {_chunks} starts blob {digest} at offset {offset}: the first chunk of a blob is at offset 0");
        }

        _digest = digest;
        _size = blob.Size;
        _writer = store.BeginWrite(digest, blob.Size);
    }

    private async Task CommitAsync(CancellationToken cancellationToken)
    {
        var writer = _writer!;
        _writer = null;
        using (writer)
        {
            try
            {
                var result = await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
                _stored.Add(new StoredBlob { Blob = BlobRefs.From(result.Blob.Digest, result.Blob.Size), Created = result.Created });
            }
            catch (BlobMismatchException ex)
            {
                throw BlobRefs.Invalid(ex.Message);
            }
        }
    }
}
