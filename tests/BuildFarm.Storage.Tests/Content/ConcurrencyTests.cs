using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Content;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly TestStore _test = new(maxBytes: 64 * 1024 * 1024, lowWaterBytes: 32 * 1024 * 1024);

    private ContentStore Store => _test.Store;

    [Fact]
    public async Task Sixteen_writers_of_one_blob_all_succeed_and_leave_one_file()
    {
        const int Writers = 16;
        var content = Patterned(256 * 1024);
        var digest = Digest.Sha256(content);
        using var start = new Barrier(Writers);

        var writers = Enumerable.Range(0, Writers).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return Store.WriteAsync(new MemoryStream(content), digest, content.Length).GetAwaiter().GetResult();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        var results = await Task.WhenAll(writers);

        Assert.All(results, result => Assert.Equal((digest, (long)content.Length), (result.Blob.Digest, result.Blob.Size)));
        Assert.Equal([digest.Hex], _test.FilesIn(_test.BlobsDirectory));
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
        Assert.Equal(content.Length, Store.TotalBytes);
        Assert.Equal(content, File.ReadAllBytes(_test.BlobPath(digest)));
        Assert.Single(results, result => result.Created);
    }

    [Fact]
    public async Task A_reader_never_sees_a_blob_that_is_still_being_written()
    {
        var content = Patterned(4 * 1024 * 1024);
        var digest = Digest.Sha256(content);
        var source = new PausingStream(content, pauseAfter: content.Length / 2);

        var write = Store.WriteAsync(source, digest, content.Length);
        await source.Paused;

        // Half the bytes are on disk in the ingest directory; the blob does not exist yet.
        Assert.False(Store.Exists(digest));
        Assert.Throws<BlobNotFoundException>(() => Store.OpenRead(digest));
        Assert.Empty(_test.FilesIn(_test.BlobsDirectory));
        Assert.Single(_test.FilesIn(_test.IngestDirectory));

        source.Resume();
        await write;

        using var stream = Store.OpenRead(digest);
        var read = new MemoryStream();
        await stream.CopyToAsync(read);
        Assert.Equal(content, read.ToArray());
    }

    [Fact]
    public async Task A_reader_that_opened_a_blob_keeps_reading_it_while_it_is_evicted()
    {
        var content = Patterned(1024 * 1024);
        var digest = Digest.Sha256(content);
        await Store.WriteAsync(new MemoryStream(content), digest, content.Length);

        using var stream = Store.OpenRead(digest);
        var first = new byte[1000];
        stream.ReadExactly(first);
        var eviction = Store.Evict(0);
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);

        Assert.Equal([digest], eviction.Evicted.Select(blob => blob.Digest));
        Assert.Equal(content, first.Concat(rest.ToArray()).ToArray());
        Assert.False(File.Exists(_test.BlobPath(digest)));
    }

    [Fact]
    public async Task Writers_racing_evictions_leave_the_index_and_the_disk_in_agreement_and_within_the_maximum()
    {
        using var small = new TestStore(maxBytes: 16 * 1024, lowWaterBytes: 8 * 1024);
        const int Writers = 8;
        using var start = new Barrier(Writers);

        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 50; i++)
                {
                    var content = Patterned(1024 + (writer * 50) + i);
                    small.Store.WriteAsync(new MemoryStream(content), Digest.Sha256(content), content.Length).GetAwaiter().GetResult();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
        await Task.WhenAll(writers);

        var onDisk = small.FilesIn(small.BlobsDirectory);
        Assert.Equal(onDisk, small.Store.List().Select(blob => blob.Digest.Hex).Order(StringComparer.Ordinal));
        Assert.Equal(onDisk.Sum(hex => new FileInfo(Path.Combine(small.BlobsDirectory, hex)).Length), small.Store.TotalBytes);
        Assert.InRange(small.Store.TotalBytes, 1, 16 * 1024);
        Assert.Empty(small.FilesIn(small.IngestDirectory));
    }

    public void Dispose() => _test.Dispose();

    private static byte[] Patterned(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) ^ (i >> 8));
        }

        return bytes;
    }

    /// <summary>Serves its content, stopping after <c>pauseAfter</c> bytes until told to go on.</summary>
    private sealed class PausingStream(byte[] content, int pauseAfter) : Stream
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        public Task Paused => _paused.Task;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public void Resume() => _resumed.SetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == pauseAfter && !_resumed.Task.IsCompleted)
            {
                _paused.SetResult();
                await _resumed.Task.WaitAsync(cancellationToken);
            }

            var limit = _position < pauseAfter ? pauseAfter : content.Length;
            var count = Math.Min(buffer.Length, limit - _position);
            content.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
