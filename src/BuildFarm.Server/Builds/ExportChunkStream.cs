using BuildFarm.Api.V1;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Server.Builds;

/// <summary>A write-only stream that sends what is written as <see cref="ExportChunk"/> messages of at most 64 KiB, from one buffer.</summary>
internal sealed class ExportChunkStream(IServerStreamWriter<ExportChunk> writer, CancellationToken cancellationToken) : Stream
{
    public const int ChunkSize = 64 * 1024;

    private readonly byte[] _buffer = new byte[ChunkSize];
    private int _buffered;
    private long _offset;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _offset + _buffered;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken token = default)
    {
        while (buffer.Length > 0)
        {
            var take = Math.Min(buffer.Length, ChunkSize - _buffered);
            buffer[..take].CopyTo(_buffer.AsMemory(_buffered));
            _buffered += take;
            buffer = buffer[take..];
            if (_buffered == ChunkSize)
            {
                await SendAsync().ConfigureAwait(false);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken token) => WriteAsync(buffer.AsMemory(offset, count), token).AsTask();

    public override void Flush()
    {
    }

    public override async ValueTask DisposeAsync()
    {
        if (_buffered > 0)
        {
            await SendAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // The chunk wraps the buffer rather than copying it: a write has serialized the message into the
    // response by the time it completes, so the buffer is free again once it is awaited. An export
    // of a large image then allocates no chunk-sized array per 64 KiB.
    private async Task SendAsync()
    {
        var data = UnsafeByteOperations.UnsafeWrap(_buffer.AsMemory(0, _buffered));
        await writer.WriteAsync(new ExportChunk { Offset = _offset, Data = data }, cancellationToken).ConfigureAwait(false);
        _offset += _buffered;
        _buffered = 0;
    }
}
