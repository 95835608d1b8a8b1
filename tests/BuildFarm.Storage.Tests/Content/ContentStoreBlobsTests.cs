using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layout;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Content;

/// <summary>The content store as an Oci <see cref="IBlobStore"/>: reads, uploads, leases, and the Oci archive code on top.</summary>
public sealed class ContentStoreBlobsTests : IDisposable
{
    private readonly TestStore _test = new();

    private ContentStore Store => _test.Store;

    [Fact]
    public async Task An_upload_becomes_a_verified_blob_of_the_store()
    {
        var blobs = new ContentStoreBlobs(Store);
        var digest = Text.DigestOf("layer bytes");

        var written = await blobs.WriteBlobAsync(new MemoryStream(Text.Bytes("layer bytes")), digest);

        Assert.Equal(digest, written);
        Assert.True(await blobs.ExistsAsync(digest));
        Assert.Equal(11, Store.GetInfo(digest)!.Size);
        await using var read = await blobs.OpenReadAsync(digest);
        Assert.Equal("layer bytes", await new StreamReader(read).ReadToEndAsync());
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public async Task An_upload_committed_under_another_digest_stores_nothing()
    {
        var blobs = new ContentStoreBlobs(Store);
        var claimed = Text.DigestOf("what was promised");

        var error = await Assert.ThrowsAsync<BlobMismatchException>(
            async () => await blobs.WriteBlobAsync(new MemoryStream(Text.Bytes("what came")), claimed));

        Assert.Equal($"Blob {claimed} was not stored: its content has digest {Text.DigestOf("what came")}.", error.Message);
        Assert.Empty(Store.List());
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public async Task An_upload_disposed_without_commit_leaves_nothing()
    {
        var blobs = new ContentStoreBlobs(Store);

        await using (var upload = await blobs.BeginUploadAsync())
        {
            await upload.Stream.WriteAsync(Text.Bytes("abandoned"));
        }

        Assert.Empty(Store.List());
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public async Task A_missing_blob_is_reported_with_the_Oci_exception()
    {
        var missing = Text.DigestOf("never stored");

        var error = await Assert.ThrowsAsync<Oci.Blobs.BlobNotFoundException>(
            async () => await new ContentStoreBlobs(Store).OpenReadAsync(missing));

        Assert.Equal(missing, error.Digest);
        Assert.False(await new ContentStoreBlobs(Store).ExistsAsync(missing));
    }

    [Fact]
    public async Task With_a_lease_blobs_written_and_blobs_found_present_survive_eviction()
    {
        var present = await _test.WriteAsync("already in the store");
        var unrelated = await _test.WriteAsync("nobody asked for this");
        Store.Leases.Create("import");
        var blobs = new ContentStoreBlobs(Store, "import");

        Assert.True(await blobs.ExistsAsync(present));
        var written = await blobs.WriteBlobAsync(new MemoryStream(Text.Bytes("new layer")));
        var evicted = Store.Evict(0).Evicted.Select(blob => blob.Digest);

        Assert.Equal([unrelated], evicted);
        Assert.Equal(Sorted(present, written), Sorted([.. Store.Leases.Get("import")!.Blobs]));
    }

    [Fact]
    public async Task Without_a_lease_what_was_written_is_evictable()
    {
        var written = await new ContentStoreBlobs(Store).WriteBlobAsync(new MemoryStream(Text.Bytes("loose")));

        Assert.Equal([written], Store.Evict(0).Evicted.Select(blob => blob.Digest));
    }

    [Fact]
    public async Task An_image_exported_from_one_store_as_an_OCI_archive_imports_into_another_unchanged()
    {
        var source = new ContentStoreBlobs(Store);
        var layer = await WriteDocumentAsync(source, MediaTypes.OciLayer, "not really a tar");
        var config = await WriteDocumentAsync(source, MediaTypes.OciConfig, """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        var manifest = await source.WriteBlobAsync(MediaTypes.OciManifest, new ImageManifest { Config = config, Layers = [layer] }.ToJson());
        var archive = new MemoryStream();
        await OciLayout.ExportToTarAsync(source, [new TaggedImage(manifest, ["app:1.0"])], archive);

        using var other = new TestStore();
        archive.Position = 0;
        var imported = await OciLayout.ImportFromTarAsync(archive, new ContentStoreBlobs(other.Store));

        var image = Assert.Single(imported);
        Assert.Equal(manifest, image.Descriptor);
        Assert.Equal(["app:1.0"], image.Tags);
        Assert.Equal(
            Sorted(config.Digest, layer.Digest, manifest.Digest),
            Sorted([.. other.Store.List().Select(blob => blob.Digest)]));
    }

    public void Dispose() => _test.Dispose();

    private static List<string> Sorted(params Digest[] digests) => [.. digests.Select(d => d.ToString()).Order(StringComparer.Ordinal)];

    private static ValueTask<Descriptor> WriteDocumentAsync(IBlobWriter blobs, string mediaType, string content) =>
        blobs.WriteBlobAsync(mediaType, Text.Bytes(content));
}
