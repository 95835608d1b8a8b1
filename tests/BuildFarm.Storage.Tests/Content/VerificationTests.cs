using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Content;

public sealed class VerificationTests : IDisposable
{
    private readonly TestStore _test = new();

    private ContentStore Store => _test.Store;

    [Fact]
    public async Task A_blob_altered_on_disk_throws_at_the_end_of_the_read_and_is_removed()
    {
        var digest = await _test.WriteAsync("hello");
        var path = _test.BlobPath(digest);
        File.WriteAllText(path, "jello");

        var error = await Assert.ThrowsAsync<CorruptBlobException>(() => _test.ReadAsync(digest));

        Assert.Equal(
            $"Blob {digest} at {path} is corrupt: its 5 bytes have digest {Text.DigestOf("jello")}. It has been removed from the content store.",
            error.Message);
        Assert.Equal(new CorruptBlob(digest, path, $"its 5 bytes have digest {Text.DigestOf("jello")}"), error.Corruption);
        Assert.False(File.Exists(path));
        Assert.False(Store.Exists(digest));
        Assert.Equal(0, Store.TotalBytes);
        Assert.Throws<BlobNotFoundException>(() => Store.OpenRead(digest));
    }

    [Fact]
    public async Task A_truncated_blob_is_corrupt()
    {
        var digest = await _test.WriteAsync("hello");
        var path = _test.BlobPath(digest);
        File.WriteAllText(path, "hel");

        var error = await Assert.ThrowsAsync<CorruptBlobException>(() => _test.ReadAsync(digest));

        Assert.Equal(
            $"Blob {digest} at {path} is corrupt: its file ended after 3 of the 5 bytes it was stored with. It has been removed from the content store.",
            error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_blob_that_grew_is_corrupt_and_no_byte_past_its_size_is_served()
    {
        var digest = await _test.WriteAsync("hello");
        var path = _test.BlobPath(digest);
        File.WriteAllText(path, "hello, world");

        using var stream = Store.OpenRead(digest);
        var buffer = new byte[5];
        Assert.Equal(5, stream.ReadAtLeast(buffer, 5));
        var error = Assert.Throws<CorruptBlobException>(() => stream.Read(new byte[16]));

        Assert.Equal(
            $"Blob {digest} at {path} is corrupt: its file holds more than the 5 bytes it was stored with. It has been removed from the content store.",
            error.Message);
        Assert.Same(error, Assert.Throws<CorruptBlobException>(() => stream.Read(new byte[16])));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_read_stream_reports_the_blob_size_and_refuses_to_seek()
    {
        var digest = await _test.WriteAsync("hello");

        using var stream = Store.OpenRead(digest);

        Assert.Equal(5, stream.Length);
        Assert.Equal(digest, stream.Digest);
        Assert.False(stream.CanSeek);
        var error = Assert.Throws<NotSupportedException>(() => stream.Seek(1, SeekOrigin.Begin));
        Assert.Equal("A blob is read from start to end so that it can be verified.", error.Message);
    }

    [Fact]
    public async Task Verify_tells_a_sound_blob_from_a_corrupt_one_and_removes_the_corrupt_one()
    {
        var sound = await _test.WriteAsync("sound");
        var corrupt = await _test.WriteAsync("rotten");
        File.WriteAllText(_test.BlobPath(corrupt), "rottex");

        Assert.True(await Store.VerifyAsync(sound));
        Assert.False(await Store.VerifyAsync(corrupt));

        Assert.True(Store.Exists(sound));
        Assert.False(Store.Exists(corrupt));
        Assert.False(File.Exists(_test.BlobPath(corrupt)));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.VerifyAsync(corrupt));
    }

    [Fact]
    public async Task Check_reads_every_blob_and_reports_the_corrupt_ones_in_digest_order()
    {
        var sound = await _test.WriteAsync("sound");
        var first = await _test.WriteAsync("first");
        var second = await _test.WriteAsync("second");
        File.WriteAllText(_test.BlobPath(first), "firsT");
        File.WriteAllText(_test.BlobPath(second), "sec");
        var usesBefore = Store.List();

        var report = await Store.CheckAsync();

        CorruptBlob[] expected =
        [
            new(first, _test.BlobPath(first), $"its 5 bytes have digest {Text.DigestOf("firsT")}"),
            new(second, _test.BlobPath(second), "its file ended after 3 of the 6 bytes it was stored with"),
        ];
        Assert.Equal(3, report.BlobsChecked);
        Assert.Equal(16, report.BytesChecked);
        Assert.Equal(expected.OrderBy(c => c.Digest.Hex, StringComparer.Ordinal), report.Corrupt);
        Assert.Equal([sound], Store.List().Select(b => b.Digest));
        Assert.Equal(usesBefore[0], Store.List()[0]);
    }

    public void Dispose() => _test.Dispose();
}
