using System.Text;
using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Tests.Images;

public class ManifestAndIndexTests
{
    private static readonly Digest ConfigDigest = Digest.Sha256("config"u8);
    private static readonly Digest LayerDigest = Digest.Sha256("layer"u8);

    [Fact]
    public void Manifest_serializes_to_exact_bytes()
    {
        var manifest = new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = ConfigDigest, Size = 6 },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = LayerDigest, Size = 0 }],
            Annotations = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
        };

        Assert.Equal(
            $$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{ConfigDigest}}}","size":6},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{{LayerDigest}}}","size":0}],"annotations":{"a":"1","b":"2"}}""",
            Encoding.UTF8.GetString(manifest.ToJson()));
        Assert.Equal(Digest.Sha256(manifest.ToJson()), manifest.ToDescriptor().Digest);
        Assert.Equal(MediaTypes.OciManifest, manifest.ToDescriptor().MediaType);
    }

    [Fact]
    public void Docker_schema2_manifest_is_read_and_its_media_types_understood()
    {
        var json = $$$"""
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469, "digest": "{{{ConfigDigest}}}"},
               "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 2479, "digest": "{{{LayerDigest}}}"}]
            }
            """;

        var manifest = ImageManifest.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);
        Assert.True(MediaTypes.IsConfig(manifest.Config.MediaType));
        Assert.Equal(LayerCompression.Gzip, MediaTypes.GetLayerCompression(manifest.Layers[0].MediaType));
        Assert.Equal(2479, manifest.Layers[0].Size);
    }

    [Fact]
    public void Manifest_with_an_index_media_type_is_rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageManifest.Parse(Encoding.UTF8.GetBytes($$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","config":{"mediaType":"x","digest":"{{{ConfigDigest}}}","size":1},"layers":[]}""")));
        Assert.Equal("image manifest: mediaType is 'application/vnd.oci.image.index.v1+json', not an image manifest type.", e.Message);
    }

    [Fact]
    public void Manifest_missing_its_config_names_the_property()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageManifest.Parse("""{"schemaVersion":2,"layers":[]}"""u8));
        Assert.Contains("missing required properties including: 'config'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_version_1_is_rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageManifest.Parse(Encoding.UTF8.GetBytes($$$"""{"schemaVersion":1,"config":{"mediaType":"x","digest":"{{{ConfigDigest}}}","size":1},"layers":[]}""")));
        Assert.Equal("image manifest: schemaVersion is 1, only 2 is supported.", e.Message);
    }

    [Fact]
    public void Layer_descriptor_without_media_type_is_rejected_with_its_index()
    {
        var json = $$$"""{"schemaVersion":2,"config":{"mediaType":"x","digest":"{{{ConfigDigest}}}","size":1},"layers":[{"mediaType":"a","digest":"{{{LayerDigest}}}","size":1},{"mediaType":"","digest":"{{{LayerDigest}}}","size":1}]}""";
        var e = Assert.Throws<InvalidDataException>(() => ImageManifest.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal("image manifest: layers[1].mediaType is empty.", e.Message);
    }

    [Fact]
    public void Docker_manifest_list_is_read_as_an_index_with_platforms()
    {
        var json = $$$"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
              {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":528,"digest":"{{{ConfigDigest}}}","platform":{"architecture":"arm","os":"linux","variant":"v7"}},
              {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":527,"digest":"{{{LayerDigest}}}","platform":{"architecture":"amd64","os":"linux"}}]}
            """;

        var index = ImageIndex.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(["linux/arm/v7", "linux/amd64"], index.Manifests.Select(m => m.Platform!.ToString()));
        Assert.All(index.Manifests, m => Assert.True(MediaTypes.IsManifest(m.MediaType)));
    }

    [Fact]
    public void Index_round_trips_unknown_fields_and_annotations()
    {
        var json = $$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{ConfigDigest}}}","size":3,"annotations":{"org.opencontainers.image.ref.name":"v1"}}],"x-extra":{"k":[1,2]}}""";

        var index = ImageIndex.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal("v1", index.Manifests[0].GetAnnotation(AnnotationKeys.RefName));
        Assert.Equal(json, Encoding.UTF8.GetString(index.ToJson()));
    }

    [Theory]
    [InlineData("linux/amd64", "linux", "amd64", null)]
    [InlineData("linux/arm64/v8", "linux", "arm64", "v8")]
    public void Platform_parses_os_arch_variant(string text, string os, string arch, string? variant)
    {
        var platform = Platform.Parse(text);
        Assert.Equal((os, arch, variant), (platform.OS, platform.Architecture, platform.Variant));
        Assert.Equal(text, platform.ToString());
    }

    [Fact]
    public void Platform_without_architecture_is_rejected()
    {
        var e = Assert.Throws<FormatException>(() => Platform.Parse("linux"));
        Assert.Equal("'linux' is not a platform: expected 'os/arch[/variant]'.", e.Message);
    }
}
