using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Eviction;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Pruning;

/// <summary><see cref="Content.ContentStore.Prune"/>: everything goes but what images reach, leases hold and the caller keeps.</summary>
public sealed class ContentPruneTests : IDisposable
{
    private readonly TestStore _test = new();

    [Fact]
    public async Task Prune_keeps_image_blobs_leased_blobs_and_the_keep_set_and_reports_exactly_what_went()
    {
        var image = await WriteImageAsync();
        _test.Store.Images.Set("app:1", image.Manifest);
        var stepLayer = await _test.WriteAsync("a recorded step's layer");
        _test.Store.Leases.Create("build-1");
        var leased = await _test.WriteAsync("a running build's layer", "build-1");
        var context = await _test.WriteAsync("a context file");
        var node = await _test.WriteAsync("a tree node of twenty-nine b");
        var raised = new List<EvictionResult>();
        _test.Store.Evicted += raised.Add;

        var result = _test.Store.Prune(new HashSet<Digest> { stepLayer });

        Assert.Equal(Sorted(context, node), Sorted(result.Evicted.Select(blob => blob.Digest)));
        Assert.Equal("a context file".Length + "a tree node of twenty-nine b".Length, result.BytesEvicted);
        Assert.Equal(
            Sorted(image.Manifest.Digest, image.Config.Digest, image.Layer.Digest, stepLayer, leased),
            Sorted(_test.Store.List().Select(blob => blob.Digest)));
        Assert.Equal([result], raised);
        Assert.False(File.Exists(_test.BlobPath(context)));
    }

    [Fact]
    public async Task A_prune_that_removes_nothing_raises_no_event()
    {
        var kept = await _test.WriteAsync("kept");
        var raised = 0;
        _test.Store.Evicted += _ => raised++;

        var result = _test.Store.Prune(new HashSet<Digest> { kept });

        Assert.Equal((0, 0L), (result.Evicted.Count, result.BytesEvicted));
        Assert.Equal(0, raised);
    }

    [Fact]
    public async Task Eviction_set_off_by_a_write_raises_the_event_too()
    {
        using var small = new TestStore(maxBytes: 10, lowWaterBytes: 0);
        var first = await small.WriteAsync("12345678");
        var raised = new List<EvictionResult>();
        small.Store.Evicted += raised.Add;

        await small.WriteAsync("abcdefgh");

        Assert.Equal([(first, 8L)], raised.SelectMany(r => r.Evicted).Select(blob => (blob.Digest, blob.Size)));
    }

    [Fact]
    public async Task ReachFromImages_lists_the_blobs_and_the_diffIds_of_named_images()
    {
        var image = await WriteImageAsync();
        _test.Store.Images.Set("app:1", image.Manifest);
        await _test.WriteAsync("unnamed");

        var reach = _test.Store.ReachFromImages();

        Assert.Equal(Sorted(image.Manifest.Digest, image.Config.Digest, image.Layer.Digest), Sorted(reach.Blobs));
        Assert.Equal([image.DiffId], reach.DiffIds);
    }

    public void Dispose() => _test.Dispose();

    private static string[] Sorted(params IEnumerable<Digest> digests) => [.. digests.Select(digest => digest.Hex).Order(StringComparer.Ordinal)];

    private async Task<WrittenImage> WriteImageAsync()
    {
        var layer = await StoreAsync(MediaTypes.OciLayerGzip, Text.Bytes("layer bytes"));
        var diffId = Text.DigestOf("the uncompressed layer");
        var config = await StoreAsync(MediaTypes.OciConfig, Text.Bytes($$$"""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["{{{diffId}}}"]}}"""));
        var manifest = await StoreAsync(MediaTypes.OciManifest, new ImageManifest { Config = config, Layers = [layer] }.ToJson());
        return new WrittenImage(manifest, config, layer, diffId);
    }

    private async Task<Descriptor> StoreAsync(string mediaType, byte[] content)
    {
        var descriptor = Descriptor.FromContent(mediaType, content);
        await _test.Store.WriteAsync(new MemoryStream(content), descriptor.Digest, descriptor.Size);
        return descriptor;
    }

    private sealed record WrittenImage(Descriptor Manifest, Descriptor Config, Descriptor Layer, Digest DiffId);
}
