using BuildFarm.Api.V1;
using BuildFarm.Server.Builds;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Server.Tests.Builds;

/// <summary>
/// An export is sent as chunks of 64 KiB, each with its offset, from one buffer the stream reuses:
/// what a chunk carries must be what was written when it was sent, whatever is written after.
/// </summary>
public sealed class ExportChunkStreamTests
{
    [Fact]
    public async Task Writes_of_any_size_arrive_as_64_KiB_chunks_in_order_with_their_offsets()
    {
        var content = new byte[(2 * ExportChunkStream.ChunkSize) + 1000];
        new Random(7).NextBytes(content);
        var sent = new SerializingWriter();

        await using (var stream = new ExportChunkStream(sent, CancellationToken.None))
        {
            // Writes that straddle the chunk boundaries.
            foreach (var (start, length) in new[] { (0, 1), (1, 40_000), (40_001, 70_000), (110_001, content.Length - 110_001) })
            {
                await stream.WriteAsync(content.AsMemory(start, length));
            }
        }

        Assert.Equal([0L, ExportChunkStream.ChunkSize, 2L * ExportChunkStream.ChunkSize], sent.Chunks.Select(c => c.Offset));
        Assert.Equal([ExportChunkStream.ChunkSize, ExportChunkStream.ChunkSize, 1000], sent.Chunks.Select(c => c.Data.Length));
        Assert.Equal(content, sent.Chunks.SelectMany(c => c.Data.ToByteArray()));
    }

    // Keeps each message as its bytes at the moment it was written, as gRPC serializes it then.
    private sealed class SerializingWriter : IServerStreamWriter<ExportChunk>
    {
        public List<ExportChunk> Chunks { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(ExportChunk message)
        {
            Chunks.Add(ExportChunk.Parser.ParseFrom(message.ToByteArray()));
            return Task.CompletedTask;
        }
    }
}
