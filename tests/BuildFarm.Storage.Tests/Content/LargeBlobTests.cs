using System.Buffers;
using System.Security.Cryptography;
using BuildFarm.Oci;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Content;

[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement;

/// <summary>Runs alone: it measures allocations across all threads.</summary>
[Collection(nameof(AllocationMeasurement))]
public sealed class LargeBlobTests : IDisposable
{
    private const long BlobSize = 200L * 1024 * 1024;
    // Measured at about 0.15 MiB to write and 0.3 MiB to read (per-call async state); a whole-blob
    // buffer anywhere would cost 200 MiB.
    private const long AllocationBudget = 2L * 1024 * 1024;

    private readonly TestStore _test = new(maxBytes: 1L << 30, lowWaterBytes: 1L << 29);

    [Fact]
    public async Task A_200_MB_blob_streams_in_and_out_with_bounded_memory()
    {
        var digest = HashOf(new GeneratedStream(BlobSize, seed: 42));
        var readBuffer = new byte[128 * 1024];
        using var readHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var source = new GeneratedStream(BlobSize, seed: 42);
        // Warm up code paths (JIT, pools) so that only per-byte costs would show.
        await _test.Store.WriteAsync(new MemoryStream([1, 2, 3]), Digest.Sha256([1, 2, 3]), 3);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await _test.Store.WriteAsync(source, digest, BlobSize);
        var afterWrite = GC.GetTotalAllocatedBytes(precise: true);
        long read = 0;
        using (var stream = _test.Store.OpenRead(digest))
        {
            int n;
            while ((n = await stream.ReadAsync(readBuffer)) > 0)
            {
                readHash.AppendData(readBuffer, 0, n);
                read += n;
            }
        }

        var afterRead = GC.GetTotalAllocatedBytes(precise: true);

        Assert.Equal((digest, BlobSize), (result.Blob.Digest, result.Blob.Size));
        Assert.Equal(BlobSize, new FileInfo(_test.BlobPath(digest)).Length);
        Assert.Equal(BlobSize, read);
        Assert.Equal(digest, Digest.FromSha256Hash(readHash.GetHashAndReset()));
        Assert.InRange(afterWrite - before, 0, AllocationBudget);
        Assert.InRange(afterRead - afterWrite, 0, AllocationBudget);
    }

    public void Dispose() => _test.Dispose();

    private static Digest HashOf(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Digest.FromSha256Hash(hash.GetHashAndReset());
    }

    /// <summary>A deterministic pseudo-random byte stream of a given length that holds nothing in memory.</summary>
    private sealed class GeneratedStream(long length, ulong seed) : Stream
    {
        private ulong _state = seed;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - _position);
            for (var i = 0; i < count; i++)
            {
                // xorshift64
                _state ^= _state << 13;
                _state ^= _state >> 7;
                _state ^= _state << 17;
                buffer[i] = (byte)_state;
            }

            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
