using System.IO.Compression;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers.Internal;
using ZstdSharp;

namespace BuildFarm.Oci.Layers;

/// <summary>Compressing and decompressing layer blobs.</summary>
public static class LayerCompressionStreams
{
    /// <summary>The level <c>gzip</c> uses by default.</summary>
    public const int DefaultGzipLevel = 6;

    /// <summary>The level the <c>zstd</c> tool uses by default.</summary>
    public const int DefaultZstdLevel = 3;

    /// <summary>
    /// A stream that compresses what is written into <paramref name="destination"/>; dispose it to
    /// finish the compressed stream. The output depends only on the input and the level, not on
    /// how the writes were cut: gzip has no file name and a zero mtime and is fed in fixed chunks
    /// (<see cref="ChunkedGzipStream"/>); zstd is a frame per 4 MiB of input, compressed in
    /// parallel (<see cref="ChunkedZstdStream"/>).
    /// </summary>
    public static Stream Compress(Stream destination, LayerCompression compression, int? level = null, bool leaveOpen = false) => compression switch
    {
        LayerCompression.None => leaveOpen ? new NonClosingStream(destination) : destination,
        LayerCompression.Gzip => new ChunkedGzipStream(destination, level ?? DefaultGzipLevel, leaveOpen),
        LayerCompression.Zstd => new ChunkedZstdStream(destination, level ?? DefaultZstdLevel, leaveOpen),
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    /// <summary>A stream of the uncompressed bytes of <paramref name="source"/>.</summary>
    public static Stream Decompress(Stream source, LayerCompression compression, bool leaveOpen = false) => compression switch
    {
        LayerCompression.None => leaveOpen ? new NonClosingStream(source) : source,
        LayerCompression.Gzip => new GZipStream(source, CompressionMode.Decompress, leaveOpen),
        LayerCompression.Zstd => new DecompressionStream(source, leaveOpen: leaveOpen),
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    /// <summary>The compression a blob starts with, by its magic bytes; tar (or anything else) is None.</summary>
    public static LayerCompression Detect(ReadOnlySpan<byte> start) =>
        start switch
        {
            [0x1F, 0x8B, ..] => LayerCompression.Gzip,
            [0x28, 0xB5, 0x2F, 0xFD, ..] => LayerCompression.Zstd,
            _ => LayerCompression.None,
        };

    /// <summary>
    /// Decompresses whatever compression <paramref name="source"/> turns out to have (docker
    /// archives do not say). Reads the first bytes to tell, and gives them back in the result.
    /// </summary>
    public static async ValueTask<Stream> DecompressDetectedAsync(Stream source, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        var start = new byte[4];
        var read = await source.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var replay = new PrefixedStream(start.AsMemory(0, read), source, leaveOpen);
        return Decompress(replay, Detect(start.AsSpan(0, read)));
    }

    /// <summary>Lets an owner dispose a stream it was lent without closing it.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Replays bytes already read from a stream, then reads on from it.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner, bool leaveOpen) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
            {
                return inner.Read(buffer);
            }

            var count = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..count].CopyTo(buffer);
            _prefix = _prefix[count..];
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _prefix.IsEmpty ? inner.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !leaveOpen)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
