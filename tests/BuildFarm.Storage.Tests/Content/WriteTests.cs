using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Leases;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Content;

public sealed class WriteTests : IDisposable
{
    private readonly TestStore _test = new();

    private ContentStore Store => _test.Store;

    [Fact]
    public async Task A_written_blob_reads_back_byte_for_byte_under_its_digest()
    {
        var content = Text.Bytes("hello, content store\n");
        var digest = Digest.Parse("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)));

        var result = await Store.WriteAsync(new MemoryStream(content), digest, content.Length);

        Assert.Equal(new BlobInfo(digest, 21, TestStore.Start), result.Blob);
        Assert.True(result.Created);
        Assert.Null(result.Eviction);
        Assert.Equal(content, File.ReadAllBytes(_test.BlobPath(digest)));
        Assert.Equal(content, await ReadAllAsync(digest));
        Assert.Equal(21, Store.TotalBytes);
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public async Task The_empty_blob_has_the_well_known_empty_digest()
    {
        var empty = Digest.Parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

        var result = await Store.WriteAsync(new MemoryStream(), empty, 0);

        Assert.Equal(0, result.Blob.Size);
        Assert.Empty(await ReadAllAsync(empty));
    }

    [Fact]
    public async Task Content_shorter_than_declared_is_rejected_and_nothing_is_stored()
    {
        var digest = Text.DigestOf("hello");

        var error = await Assert.ThrowsAsync<BlobMismatchException>(() => Store.WriteAsync(new MemoryStream(Text.Bytes("hello")), digest, 10));

        Assert.Equal($"Blob {digest} (10 bytes) was not stored: its content has 5 bytes.", error.Message);
        AssertNothingStored(digest);
    }

    [Fact]
    public async Task Content_longer_than_declared_is_rejected_as_soon_as_it_outgrows_the_declaration()
    {
        var digest = Text.DigestOf("hello");

        var error = await Assert.ThrowsAsync<BlobMismatchException>(() => Store.WriteAsync(new MemoryStream(Text.Bytes("hello")), digest, 3));

        Assert.Equal($"Blob {digest} (3 bytes) was not stored: its content is longer than 3 bytes.", error.Message);
        AssertNothingStored(digest);
    }

    [Fact]
    public async Task Content_with_another_digest_is_rejected_and_nothing_is_stored()
    {
        var declared = Text.DigestOf("jello");

        var error = await Assert.ThrowsAsync<BlobMismatchException>(() => Store.WriteAsync(new MemoryStream(Text.Bytes("hello")), declared, 5));

        Assert.Equal($"Blob {declared} (5 bytes) was not stored: its content has digest {Text.DigestOf("hello")}.", error.Message);
        AssertNothingStored(declared);
        AssertNothingStored(Text.DigestOf("hello"));
    }

    [Fact]
    public async Task A_known_digest_declared_with_another_size_is_rejected()
    {
        var digest = await _test.WriteAsync("hello");

        var error = await Assert.ThrowsAsync<BlobMismatchException>(() => Store.WriteAsync(new MemoryStream(Text.Bytes("hello")), digest, 6));

        Assert.Equal($"Blob {digest} (6 bytes) was not stored: the store holds that digest with 5 bytes.", error.Message);
    }

    [Fact]
    public async Task Writing_a_blob_the_store_holds_does_not_read_the_source_and_counts_as_use()
    {
        var digest = await _test.WriteAsync("hello");
        _test.Time.Advance(TimeSpan.FromHours(1));

        var result = await Store.WriteAsync(new UnreadableStream(), digest, 5);

        Assert.False(result.Created);
        Assert.Equal(new BlobInfo(digest, 5, TestStore.Start + TimeSpan.FromMinutes(61)), result.Blob);
    }

    [Fact]
    public async Task A_writer_can_learn_the_digest_from_the_content()
    {
        BlobWriteResult result;
        using (var writer = Store.BeginWrite())
        {
            await writer.WriteAsync(Text.Bytes("layer "));
            await writer.WriteAsync(Text.Bytes("bytes"));
            Assert.Equal(11, writer.BytesWritten);
            Assert.False(Store.Exists(Text.DigestOf("layer bytes")));
            result = await writer.CommitAsync();
        }

        Assert.Equal(new BlobInfo(Text.DigestOf("layer bytes"), 11, TestStore.Start), result.Blob);
        Assert.Equal("layer bytes", await _test.ReadAsync(result.Blob.Digest));
    }

    [Fact]
    public async Task A_writer_disposed_without_commit_leaves_nothing_behind()
    {
        using (var writer = Store.BeginWrite())
        {
            await writer.WriteAsync(Text.Bytes("abandoned"));
            Assert.Single(_test.FilesIn(_test.IngestDirectory));
        }

        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
        Assert.Empty(_test.FilesIn(_test.BlobsDirectory));
        Assert.Equal(0, Store.TotalBytes);
    }

    [Fact]
    public async Task A_writer_cannot_be_used_after_commit()
    {
        using var writer = Store.BeginWrite();
        await writer.CommitAsync();

        Assert.Throws<ObjectDisposedException>(() => writer.Write(Text.Bytes("late")));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.CommitAsync());
    }

    [Fact]
    public async Task Only_sha256_digests_are_accepted()
    {
        var sha512 = Digest.Parse("sha512:" + new string('a', 128));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync(new MemoryStream(), sha512, 0));

        Assert.Equal($"The content store keys blobs by sha256 digests, not '{sha512}'. (Parameter 'digest')", error.Message);
    }

    [Fact]
    public async Task Writing_under_a_lease_that_does_not_exist_is_refused_before_anything_is_stored()
    {
        var error = await Assert.ThrowsAsync<LeaseNotFoundException>(() => _test.WriteAsync("hello", leaseId: "build-1"));

        Assert.Equal("Lease 'build-1' does not exist or has expired.", error.Message);
        AssertNothingStored(Text.DigestOf("hello"));
    }

    [Fact]
    public void A_missing_blob_is_reported_with_its_digest_and_the_store()
    {
        var digest = Text.DigestOf("never written");

        var error = Assert.Throws<BlobNotFoundException>(() => Store.OpenRead(digest));

        Assert.Equal($"Blob {digest} is not in the content store at {Path.Combine(_test.DataDirectory, "blobs")}.", error.Message);
        Assert.Null(Store.GetInfo(digest));
        Assert.False(Store.Exists(digest));
    }

    public void Dispose() => _test.Dispose();

    private async Task<byte[]> ReadAllAsync(Digest digest)
    {
        using var stream = Store.OpenRead(digest);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private void AssertNothingStored(Digest digest)
    {
        Assert.False(Store.Exists(digest));
        Assert.Empty(_test.FilesIn(_test.BlobsDirectory));
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
        Assert.Equal(0, Store.TotalBytes);
    }

    private sealed class UnreadableStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The store read a source it did not need.");
    }
}
