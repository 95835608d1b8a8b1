using System.Text.Json;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Layout;
using BuildFarm.Oci.Tests.TestSupport;

namespace BuildFarm.Oci.Tests.Layout;

/// <summary>Archives this library writes, read by skopeo and umoci; archives they write, read by this library.</summary>
public sealed class RealToolTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DirectoryBlobStore _store;
    private readonly TreeBuilder _tree;

    public RealToolTests()
    {
        _store = new DirectoryBlobStore(_dir.CreateDirectory("store"));
        _tree = new TreeBuilder(_dir.CreateDirectory("tree"))
            .Directory("bin")
            .File("bin/run", "#!/bin/sh\necho run\n", "4755")
            .Directory("tmp", "1777")
            .Directory("home", "755")
            .Directory("home/app", "750", "1000:1000")
            .File("home/app/config.txt", "key=value\n", "640", "1000:1001")
            .HardLink("home/app/config-link.txt", "home/app/config.txt")
            .Symlink("home/app/current", "config.txt", "1000:1000")
            .Directory("var/empty", "700", "7:8")
            .TouchAll(TestImages.Created.AddDays(-1));
    }

    public void Dispose() => _dir.Dispose();

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public async Task Skopeo_inspects_our_oci_archive_with_our_digests_and_config()
    {
        var (image, manifest, config) = await TestImages.BuildAsync(_store, [(_tree.Root, LayerSource.Directory)], "v1");
        var archive = _dir.Combine("image.oci.tar");
        await using (var file = File.Create(archive))
        {
            await OciLayout.ExportToTarAsync(_store, [image], file);
        }

        var inspect = Json(Tools.Run("skopeo", ["inspect", $"oci-archive:{archive}:v1"]));
        var raw = Tools.Run("skopeo", ["inspect", "--raw", $"oci-archive:{archive}:v1"]);
        var skopeoConfig = Json(Tools.Run("skopeo", ["inspect", "--config", $"oci-archive:{archive}:v1"]));

        Assert.Equal(image.Descriptor.Digest.ToString(), inspect.GetProperty("Digest").GetString());
        Assert.Equal(manifest.Layers.Select(l => l.Digest.ToString()), inspect.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("amd64", inspect.GetProperty("Architecture").GetString());
        Assert.Equal("linux", inspect.GetProperty("Os").GetString());
        Assert.Equal(["PATH=/usr/local/bin:/usr/bin:/bin", "APP=demo"], inspect.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("build", inspect.GetProperty("Labels").GetProperty("org.example.team").GetString());
        Assert.Equal("2022-04-15T05:20:00Z", inspect.GetProperty("Created").GetString());
        Assert.Equal(System.Text.Encoding.UTF8.GetString(manifest.ToJson()), raw);
        Assert.Equal(config.RootFs.DiffIds.Select(d => d.ToString()), skopeoConfig.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("/home/app", skopeoConfig.GetProperty("config").GetProperty("WorkingDir").GetString());
    }

    [Fact]
    public async Task Umoci_unpacks_our_layout_to_the_exact_source_tree()
    {
        var (image, _, _) = await TestImages.BuildAsync(_store, [(_tree.Root, LayerSource.Directory)], "latest", LayerCompression.None);
        var layout = _dir.Combine("layout");
        await OciLayout.ExportToDirectoryAsync(_store, [image], layout);

        Tools.Run("umoci", ["unpack", "--image", $"{layout}:latest", _dir.Combine("bundle")]);

        Assert.Equal(TestImages.Describe(_tree.Root), TestImages.Describe(_dir.Combine("bundle", "rootfs")));
        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", await File.ReadAllTextAsync(Path.Combine(layout, "oci-layout")));
        var index = ImageIndex.Parse(await File.ReadAllBytesAsync(Path.Combine(layout, "index.json")));
        Assert.Equal("latest", Assert.Single(index.Manifests).GetAnnotation(AnnotationKeys.RefName));
    }

    [Fact]
    public async Task Umoci_applies_our_overlay_whiteout_layer_like_the_overlay_mount_showed()
    {
        var upper = _dir.CreateDirectory("upper");
        var merged = _dir.CreateDirectory("merged");
        _dir.CreateDirectory("work");
        Tools.Run("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir={_tree.Root},upperdir={upper},workdir={_dir.Combine("work")}", merged]);
        Tools.Shell("rm bin/run && rm -r home/app && mkdir -p home/app && echo new > home/app/new.txt && echo more > extra", merged);
        var expected = TestImages.Describe(merged, withTimes: false);
        Tools.Run("umount", [merged]);
        var (image, _, _) = await TestImages.BuildAsync(_store, [(_tree.Root, LayerSource.Directory), (upper, LayerSource.OverlayUpper)], "two-layers");
        var layout = _dir.Combine("layout");
        await OciLayout.ExportToDirectoryAsync(_store, [image], layout);

        Tools.Run("umoci", ["unpack", "--image", $"{layout}:two-layers", _dir.Combine("bundle")]);

        Assert.Equal(expected, TestImages.Describe(_dir.Combine("bundle", "rootfs"), withTimes: false));
    }

    [Fact]
    public async Task Skopeo_inspects_our_docker_archive_with_uncompressed_layers()
    {
        var (image, _, config) = await TestImages.BuildAsync(_store, [(_tree.Root, LayerSource.Directory)], "example.com/demo:1.0");
        var archive = _dir.Combine("image.docker.tar");
        await using (var file = File.Create(archive))
        {
            await DockerArchive.ExportAsync(_store, [image], file);
        }

        var inspect = Json(Tools.Run("skopeo", ["inspect", $"docker-archive:{archive}"]));
        var skopeoConfig = Tools.Run("skopeo", ["inspect", "--config", "--raw", $"docker-archive:{archive}"]);

        Assert.Equal(config.RootFs.DiffIds.Select(d => d.ToString()), inspect.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(config.ToJson()), skopeoConfig);
        Assert.Equal(
            $"[{{\"Config\":\"{config.ToDescriptor().Digest.Hex}.json\",\"RepoTags\":[\"example.com/demo:1.0\"],\"Layers\":[\"{config.RootFs.DiffIds[0].Hex}/layer.tar\"]}}]",
            Tools.Run("tar", ["-xOf", archive, "manifest.json"]));
    }

    [Fact]
    public async Task Archives_written_by_skopeo_import_into_the_same_images()
    {
        var (image, manifest, config) = await TestImages.BuildAsync(_store, [(_tree.Root, LayerSource.Directory)], "v2");
        var layout = _dir.Combine("layout");
        await OciLayout.ExportToDirectoryAsync(_store, [image], layout);
        var ociArchive = _dir.Combine("skopeo.oci.tar");
        var dockerArchive = _dir.Combine("skopeo.docker.tar");
        Tools.Run("skopeo", ["copy", $"oci:{layout}:v2", $"oci-archive:{ociArchive}:v2"]);
        Tools.Run("skopeo", ["copy", $"oci:{layout}:v2", $"docker-archive:{dockerArchive}:demo/app:v2"]);

        var fromOci = new DirectoryBlobStore(_dir.CreateDirectory("from-oci"));
        var fromDocker = new DirectoryBlobStore(_dir.CreateDirectory("from-docker"));
        await using var ociStream = File.OpenRead(ociArchive);
        await using var dockerStream = File.OpenRead(dockerArchive);
        var ociImages = await OciLayout.ImportFromTarAsync(ociStream, fromOci);
        var dockerImages = await DockerArchive.ImportAsync(dockerStream, fromDocker);

        var ociImage = Assert.Single(ociImages);
        Assert.Equal(image.Descriptor.Digest, ociImage.Descriptor.Digest);
        Assert.Equal(["v2"], ociImage.Tags);
        var dockerImage = Assert.Single(dockerImages);
        Assert.Equal(["docker.io/demo/app:v2"], dockerImage.Tags);
        var imported = ImageManifest.Parse(await fromDocker.ReadDocumentAsync(dockerImage.Descriptor));
        var importedConfig = ImageConfig.Parse(await fromDocker.ReadDocumentAsync(imported.Config));
        Assert.Equal(config.RootFs.DiffIds, importedConfig.RootFs.DiffIds);
        Assert.Equal(config.Config!.Env, importedConfig.Config!.Env);
        Assert.Equal([MediaTypes.OciLayer], imported.Layers.Select(l => l.MediaType));

        var rootfs = _dir.CreateDirectory("rootfs");
        await using (var layer = await fromDocker.OpenReadAsync(imported.Layers[0].Digest))
        {
            await LayerApplier.ApplyAsync(layer, rootfs);
        }

        Assert.Equal(TestImages.Describe(_tree.Root), TestImages.Describe(rootfs));
        Assert.Equal(manifest.Layers[0].Size, new FileInfo(fromOci.PathOf(manifest.Layers[0].Digest)).Length);
    }

    [Fact]
    public async Task Our_docker_archive_imports_back_with_verified_diff_ids()
    {
        var (image, _, config) = await TestImages.BuildAsync(_store, [(_tree.Root, LayerSource.Directory)], "round:trip");
        var archive = new MemoryStream();
        await DockerArchive.ExportAsync(_store, [image], archive);
        archive.Position = 0;
        var target = new DirectoryBlobStore(_dir.CreateDirectory("target"));

        var imported = Assert.Single(await DockerArchive.ImportAsync(archive, target));

        var manifest = ImageManifest.Parse(await target.ReadDocumentAsync(imported.Descriptor));
        Assert.Equal(["round:trip"], imported.Tags);
        Assert.Equal(config.ToDescriptor().Digest, manifest.Config.Digest);
        Assert.Equal(config.RootFs.DiffIds, manifest.Layers.Select(l => l.Digest));
    }
}
