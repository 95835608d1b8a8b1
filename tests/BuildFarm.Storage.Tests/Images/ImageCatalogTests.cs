using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Images;

/// <summary>The catalog's lookups and naming rules: docker's, over the image store.</summary>
public sealed class ImageCatalogTests : IDisposable
{
    private readonly TestStore _test = new();

    private ImageCatalog Catalog => new(_test.Store);

    [Fact]
    public async Task An_ID_prefix_matching_two_images_is_a_conflict_and_a_longer_one_finds_one_image_without_a_name()
    {
        // Images whose config digests start with the same hex digit: deterministic content, so always the same pair.
        var images = new List<(Descriptor Manifest, Digest Id)>();
        (Descriptor Manifest, Digest Id) first, second;
        while (true)
        {
            var image = await WriteImageAsync($"author {images.Count}");
            if (images.FirstOrDefault(i => i.Id.Hex[0] == image.Id.Hex[0]) is { Manifest: not null } match)
            {
                (first, second) = (match, image);
                break;
            }

            images.Add(image);
        }

        await Catalog.NameAsync(ImageReference.Parse("one"), first.Manifest);
        await Catalog.NameAsync(ImageReference.Parse("two"), second.Manifest);
        var prefix = first.Id.Hex[..1];

        var ambiguous = await Assert.ThrowsAsync<ImageConflictException>(() => Catalog.ResolveAsync(prefix));
        var byId = await Catalog.ResolveAsync("sha256:" + second.Id.Hex[..12]);

        Assert.Equal($"The ID prefix '{prefix}' matches 2 images; give more of it.", ambiguous.Message);
        Assert.Equal(new CatalogImage(null, second.Manifest), byId);
    }

    [Fact]
    public async Task An_unnamed_image_is_listed_until_named_and_a_name_drops_the_archive_s_name_annotations()
    {
        var (manifest, id) = await WriteImageAsync("unnamed");
        var annotated = manifest with { Annotations = new Dictionary<string, string> { [AnnotationKeys.RefName] = "app:1", ["keep"] = "me" } };

        await Catalog.AddUnnamedAsync(annotated);
        var unnamed = Assert.Single(await Catalog.ListAsync());
        var previous = await Catalog.NameAsync(ImageReference.Parse("app:1"), annotated);
        await Catalog.AddUnnamedAsync(manifest);
        var named = Assert.Single(await Catalog.ListAsync());

        Assert.Null(unnamed.Name);
        Assert.Null(previous);
        Assert.Equal("docker.io/library/app:1", named.Name?.ToString());
        Assert.Equal(["keep=me"], named.Target.Annotations!.Select(a => $"{a.Key}={a.Value}"));
        Assert.Equal(id, (await Catalog.SummarizeAsync(named.Target)).Id);
    }

    [Fact]
    public async Task Lookups_that_find_nothing_say_so_as_docker_does()
    {
        await WriteImageAsync("lonely");

        var unknown = await Assert.ThrowsAsync<ImageNotFoundException>(() => Catalog.ResolveAsync("nothere"));
        var unknownId = await Assert.ThrowsAsync<ImageNotFoundException>(() => Catalog.ResolveAsync("abc123"));
        var invalid = await Assert.ThrowsAsync<FormatException>(() => Catalog.ResolveAsync("Bad:tag"));

        Assert.Equal("No such image: nothere:latest", unknown.Message);
        Assert.Equal("No such image: abc123:latest", unknownId.Message);
        Assert.Equal("'Bad:tag' is not a valid image reference: the repository name 'library/Bad' must be lowercase.", invalid.Message);
    }

    public void Dispose() => _test.Dispose();

    /// <summary>A config (no layers) and its manifest in the store, unnamed; returns the manifest and the image ID.</summary>
    private async Task<(Descriptor Manifest, Digest Id)> WriteImageAsync(string author)
    {
        using var import = Catalog.BeginImport();
        var config = new ImageConfig { Architecture = "amd64", OS = "linux", Author = author, Created = TestStore.Start };
        var configDescriptor = await import.Blobs.WriteBlobAsync(MediaTypes.OciConfig, config.ToJson());
        var manifest = new ImageManifest { Config = configDescriptor, Layers = [] };
        return (await import.Blobs.WriteBlobAsync(MediaTypes.OciManifest, manifest.ToJson()), configDescriptor.Digest);
    }
}
