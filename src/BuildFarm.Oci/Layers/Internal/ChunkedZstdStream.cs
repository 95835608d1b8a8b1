using System.Buffers;
using ZstdSharp;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>
/// Compresses to zstd as a sequence of independent frames, one per fixed-size chunk of input,
/// compressed on several cores at once and written in order. A zstd stream may hold any number
/// of frames and decoders concatenate them, so the output is plain zstd; since chunk boundaries
/// depend only on the byte offset, the output is the same whatever the number of cores.
/// </summary>
/// <remarks>
/// ZstdSharp (managed, pinned with this library, so output does not change with the machine's
/// libzstd) is about half as fast as native zstd on one core; spreading chunks over cores is what
/// lets a layer compress about as fast as <c>tar | zstd</c>.
/// </remarks>
internal sealed class ChunkedZstdStream(Stream destination, int level, bool leaveOpen) : ChunkingWriteStream(ChunkSize)
{
    public const int ChunkSize = 4 << 20;

    private readonly int _maxInFlight = Math.Clamp(Environment.ProcessorCount, 2, 8);
    private readonly Queue<Task<(byte[] Buffer, int Length)>> _inFlight = new();
    private bool _anyFrame;

    protected override async ValueTask WriteChunkAsync(byte[] chunk, int length, CancellationToken cancellationToken)
    {
        if (_inFlight.Count >= _maxInFlight)
        {
            await WriteOldestAsync(cancellationToken).ConfigureAwait(false);
        }

        _inFlight.Enqueue(Task.Run(() => CompressFrame(chunk, length, level), cancellationToken));
        _anyFrame = true;
    }

    protected override async ValueTask CompleteAsync()
    {
        try
        {
            if (!_anyFrame)
            {
                // Empty input still makes one (empty) frame: a zero-byte file is not zstd.
                await WriteChunkAsync(ArrayPool<byte>.Shared.Rent(1), 0, CancellationToken.None).ConfigureAwait(false);
            }

            while (_inFlight.Count > 0)
            {
                await WriteOldestAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!leaveOpen)
            {
                await destination.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask WriteOldestAsync(CancellationToken cancellationToken)
    {
        var (buffer, length) = await _inFlight.Dequeue().ConfigureAwait(false);
        try
        {
            await destination.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (byte[] Buffer, int Length) CompressFrame(byte[] input, int length, int level)
    {
        try
        {
            using var compressor = new Compressor(level);
            var output = ArrayPool<byte>.Shared.Rent(Compressor.GetCompressBound(length));
            return (output, compressor.Wrap(input.AsSpan(0, length), output));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }
}
