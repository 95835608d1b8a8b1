using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Eviction;

/// <summary>Named images are roots: every blob their index or manifest reaches survives eviction.</summary>
public sealed class ImageRootTests : IDisposable
{
    private readonly TestStore _test = new();

    [Fact]
    public async Task Blobs_reachable_from_a_named_index_survive_eviction_and_the_rest_go()
    {
        var image = await WriteImageAsync("app");
        var other = await WriteImageAsync("other");
        var loose = await _test.WriteAsync("loose blob");
        _test.Store.Images.Set("app:1.0", image.Index);

        var result = _test.Store.Evict(0);

        Assert.Equal(
            Sorted(other.Index.Digest, other.Manifest.Digest, other.Config.Digest, other.Layers[0].Digest, other.Layers[1].Digest, loose),
            Sorted(result.Evicted.Select(blob => blob.Digest)));
        Assert.Equal(
            Sorted(image.Index.Digest, image.Manifest.Digest, image.Config.Digest, image.Layers[0].Digest, image.Layers[1].Digest),
            Sorted(_test.Store.List().Select(blob => blob.Digest)));
    }

    [Fact]
    public async Task A_name_for_a_single_manifest_keeps_its_config_and_layers()
    {
        var image = await WriteImageAsync("app");
        _test.Store.Images.Set("app:amd64", image.Manifest);

        var result = _test.Store.Evict(0);

        Assert.Equal([image.Index.Digest], result.Evicted.Select(blob => blob.Digest));
    }

    [Fact]
    public async Task Deleting_the_name_makes_the_image_evictable()
    {
        var image = await WriteImageAsync("app");
        _test.Store.Images.Set("app:1.0", image.Index);
        Assert.Empty(_test.Store.Evict(0).Evicted);

        _test.Store.Images.Delete("app:1.0");

        Assert.Equal(5, _test.Store.Evict(0).Evicted.Count);
        Assert.Equal(0, _test.Store.TotalBytes);
    }

    [Fact]
    public async Task A_name_whose_content_is_partly_missing_keeps_what_is_there()
    {
        var image = await WriteImageAsync("app");
        _test.Store.Images.Set("app:1.0", image.Index);
        _test.Store.Images.Set("ghost:1.0", new Descriptor { MediaType = MediaTypes.OciIndex, Digest = Text.DigestOf("never stored"), Size = 12 });
        File.Delete(_test.BlobPath(image.Layers[0].Digest));
        await Assert.ThrowsAsync<BuildFarm.Storage.Content.BlobNotFoundException>(() => _test.ReadAsync(image.Layers[0].Digest));

        var result = _test.Store.Evict(0);

        Assert.Empty(result.Evicted);
        Assert.Equal(4, _test.Store.List().Count);
    }

    [Fact]
    public async Task A_corrupt_manifest_ends_its_branch_and_is_removed()
    {
        var image = await WriteImageAsync("app");
        _test.Store.Images.Set("app:1.0", image.Index);
        var manifestPath = _test.BlobPath(image.Manifest.Digest);
        var bytes = File.ReadAllBytes(manifestPath);
        bytes[^2] ^= 1;
        File.WriteAllBytes(manifestPath, bytes);

        var result = _test.Store.Evict(0);

        // The manifest was found corrupt while marking; what only it reached is no longer held.
        Assert.False(_test.Store.Exists(image.Manifest.Digest));
        Assert.Equal(
            Sorted(image.Config.Digest, image.Layers[0].Digest, image.Layers[1].Digest),
            Sorted(result.Evicted.Select(blob => blob.Digest)));
        Assert.Equal([image.Index.Digest], _test.Store.List().Select(blob => blob.Digest));
    }

    public void Dispose() => _test.Dispose();

    private static string[] Sorted(params IEnumerable<Digest> digests) => [.. digests.Select(digest => digest.Hex).Order(StringComparer.Ordinal)];

    private async Task<WrittenImage> WriteImageAsync(string name)
    {
        var layers = new List<Descriptor>();
        foreach (var layer in new[] { $"{name} layer 1", $"{name} layer 2" })
        {
            layers.Add(await StoreAsync(MediaTypes.OciLayerGzip, Text.Bytes(layer)));
        }

        var config = await StoreAsync(MediaTypes.OciConfig, Text.Bytes($$"""{"architecture":"amd64","os":"linux","comment":"{{name}}"}"""));
        var manifest = await StoreAsync(MediaTypes.OciManifest, new ImageManifest { Config = config, Layers = layers }.ToJson());
        var index = await StoreAsync(MediaTypes.OciIndex, new ImageIndex { Manifests = [manifest] }.ToJson());
        return new WrittenImage(index, manifest, config, layers);
    }

    private async Task<Descriptor> StoreAsync(string mediaType, byte[] content)
    {
        var descriptor = Descriptor.FromContent(mediaType, content);
        await _test.Store.WriteAsync(new MemoryStream(content), descriptor.Digest, descriptor.Size);
        return descriptor;
    }

    private sealed record WrittenImage(Descriptor Index, Descriptor Manifest, Descriptor Config, IReadOnlyList<Descriptor> Layers);
}
