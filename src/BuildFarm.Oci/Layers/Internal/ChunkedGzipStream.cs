using System.Buffers;
using System.IO.Compression;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>gzip whose output depends only on the input and level: it is fed in fixed-size chunks.</summary>
internal sealed class ChunkedGzipStream(Stream destination, int level, bool leaveOpen) : ChunkingWriteStream(ChunkSize)
{
    public const int ChunkSize = 1 << 20;

    private readonly GZipStream _gzip = new(destination, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen);

    protected override async ValueTask WriteChunkAsync(byte[] chunk, int length, CancellationToken cancellationToken)
    {
        try
        {
            await _gzip.WriteAsync(chunk.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    protected override ValueTask CompleteAsync() => _gzip.DisposeAsync();
}
