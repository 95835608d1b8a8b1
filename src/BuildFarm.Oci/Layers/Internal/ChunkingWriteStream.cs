using System.Buffers;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>
/// A write-only stream that hands its input on in chunks of one fixed size (the last may be
/// shorter), however the writes it receives were cut. Compressors need this for reproducible
/// output: .NET's zlib-ng gives different deflate bytes for the same input written in different
/// pieces, and the pieces a pipeline delivers depend on timing.
/// </summary>
internal abstract class ChunkingWriteStream(int chunkSize) : Stream
{
    private byte[] _chunk = ArrayPool<byte>.Shared.Rent(chunkSize);
    private int _chunkLength;
    private bool _disposed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Takes ownership of a pooled chunk (return it to <see cref="ArrayPool{T}.Shared"/>).</summary>
    protected abstract ValueTask WriteChunkAsync(byte[] chunk, int length, CancellationToken cancellationToken);

    /// <summary>After the last chunk: finish the output.</summary>
    protected abstract ValueTask CompleteAsync();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            var count = Math.Min(buffer.Length, chunkSize - _chunkLength);
            buffer.Span[..count].CopyTo(_chunk.AsSpan(_chunkLength));
            _chunkLength += count;
            buffer = buffer[count..];
            if (_chunkLength == chunkSize)
            {
                await HandOnAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Does nothing: passing a partial chunk on would make the output depend on when flushes happen.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_chunkLength > 0)
        {
            await HandOnAsync(CancellationToken.None).ConfigureAwait(false);
        }

        ArrayPool<byte>.Shared.Return(_chunk);
        await CompleteAsync().ConfigureAwait(false);
    }

    private ValueTask HandOnAsync(CancellationToken cancellationToken)
    {
        var chunk = _chunk;
        var length = _chunkLength;
        _chunk = ArrayPool<byte>.Shared.Rent(chunkSize);
        _chunkLength = 0;
        return WriteChunkAsync(chunk, length, cancellationToken);
    }
}
