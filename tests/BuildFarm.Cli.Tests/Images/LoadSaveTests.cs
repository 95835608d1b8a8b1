using System.Text.Json;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Images;

/// <summary><c>farm load</c> and <c>farm save</c>, checked with skopeo and umoci.</summary>
public sealed class LoadSaveTests : IDisposable
{
    private const string Header = "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n";

    private readonly FarmSession _farm = new();

    [Fact]
    public async Task Loading_the_busybox_archive_names_it_and_images_shows_one_row()
    {
        var busybox = await Busybox.GetAsync();

        var load = await _farm.RunAsync("load", "-i", busybox.ArchivePath);
        var images = await _farm.RunCheckedAsync("images");

        Assert.Equal(new FarmResult(0, "Loaded image: busybox:latest\n", ""), load);
        Assert.Equal(Header + $"busybox      latest    {busybox.ShortId}   56 years ago   {busybox.Size}\n", images);
    }

    [Fact]
    public async Task Images_quiet_and_untruncated_show_the_config_digest()
    {
        var busybox = await _farm.LoadBusyboxAsync();

        Assert.Equal($"{busybox.ShortId}\n", await _farm.RunCheckedAsync("images", "-q"));
        Assert.Equal($"{busybox.ConfigDigest}\n", await _farm.RunCheckedAsync("images", "-q", "--no-trunc"));
        Assert.Equal(
            "REPOSITORY   TAG       DIGEST                                                                    IMAGE ID       CREATED        SIZE\n"
            + $"busybox      latest    {busybox.ManifestDigest}   {busybox.ShortId}   56 years ago   {busybox.Size}\n",
            await _farm.RunCheckedAsync("images", "--digests"));
    }

    [Fact]
    public async Task Saving_as_OCI_keeps_the_manifest_byte_for_byte_and_umoci_unpacks_it()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        var archive = _farm.Combine("saved.tar");

        Assert.Equal("", await _farm.RunCheckedAsync("save", "busybox", "-o", archive));

        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"oci-archive:{archive}"));
        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"oci-archive:{archive}:busybox:latest"));
        var layout = Directory.CreateDirectory(_farm.Combine("layout")).FullName;
        await ProcessRunner.RunCheckedAsync("tar", ["-xf", archive, "-C", layout]);
        var bundle = _farm.Combine("bundle");
        await ProcessRunner.RunCheckedAsync("umoci", ["unpack", "--rootless", "--image", $"{layout}:busybox:latest", bundle]);
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(bundle, "rootfs", "bin", "sh")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(bundle, "rootfs", "bin", "busybox")));
    }

    [Fact]
    public async Task Saving_as_a_docker_archive_keeps_the_config_and_loads_back_as_the_same_image()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        var archive = _farm.Combine("docker.tar");

        await _farm.RunCheckedAsync("save", "--format", "docker", "-o", archive, "busybox:latest");

        using var manifest = JsonDocument.Parse(await Skopeo.InspectRawAsync($"docker-archive:{archive}"));
        Assert.Equal(busybox.ConfigDigest, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
        using var archiveManifest = JsonDocument.Parse(await ProcessRunner.RunCheckedAsync("tar", ["-xOf", archive, "manifest.json"]));
        Assert.Equal("[\"busybox:latest\"]", archiveManifest.RootElement[0].GetProperty("RepoTags").GetRawText());
        using var byName = JsonDocument.Parse(await Skopeo.InspectRawAsync($"docker-archive:{archive}:busybox:latest"));
        Assert.Equal(busybox.ConfigDigest, byName.RootElement.GetProperty("config").GetProperty("digest").GetString());

        using var other = new FarmSession();
        Assert.Equal("Loaded image: busybox:latest\n", await other.RunCheckedAsync("load", "-i", archive));
        Assert.Equal($"{busybox.ConfigDigest}\n", await other.RunCheckedAsync("images", "-q", "--no-trunc"));
    }

    [Fact]
    public async Task Load_reads_stdin_and_save_writes_stdout_when_redirected()
    {
        var busybox = await Busybox.GetAsync();
        _farm.Environment = _farm.Environment with
        {
            StandardInputIsTerminal = false,
            OpenStandardInput = () => File.OpenRead(busybox.ArchivePath),
        };
        Assert.Equal("Loaded image: busybox:latest\n", await _farm.RunCheckedAsync("load"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_farm.DataDirectory, "tmp")));

        var stdout = new MemoryStream();
        _farm.Environment = _farm.Environment with { StandardOutputIsTerminal = false, OpenStandardOutput = () => stdout };
        await _farm.RunCheckedAsync("save", "busybox");
        await _farm.RunCheckedAsync("save", "busybox", "-o", _farm.Combine("file.tar"));

        Assert.Equal(await File.ReadAllBytesAsync(_farm.Combine("file.tar")), stdout.ToArray());
    }

    [Fact]
    public async Task An_image_saved_under_two_names_loads_back_under_both()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        await _farm.RunCheckedAsync("tag", "busybox", "localhost:5000/tools/box:1.0");
        var archive = _farm.Combine("two.tar");

        await _farm.RunCheckedAsync("save", "-o", archive, "busybox", "localhost:5000/tools/box:1.0", busybox.ShortId);

        using var other = new FarmSession();
        Assert.Equal(
            "Loaded image: busybox:latest\nLoaded image: localhost:5000/tools/box:1.0\n",
            await other.RunCheckedAsync("load", "-i", archive));
        Assert.Equal(
            "REPOSITORY                 TAG       IMAGE ID       CREATED        SIZE\n"
            + $"busybox                    latest    {busybox.ShortId}   56 years ago   {busybox.Size}\n"
            + $"localhost:5000/tools/box   1.0       {busybox.ShortId}   56 years ago   {busybox.Size}\n",
            await other.RunCheckedAsync("images"));
    }

    [Fact]
    public async Task An_archive_without_names_loads_as_an_unnamed_image_that_can_be_tagged_by_ID()
    {
        var busybox = await Busybox.GetAsync();
        var archive = await WriteUnnamedArchiveAsync(busybox);

        Assert.Equal($"Loaded image ID: {busybox.ConfigDigest}\n", await _farm.RunCheckedAsync("load", "-i", archive));
        Assert.Equal(Header + $"<none>       <none>    {busybox.ShortId}   56 years ago   {busybox.Size}\n", await _farm.RunCheckedAsync("images"));

        await _farm.RunCheckedAsync("tag", busybox.ShortId[..6], "named:v1");

        Assert.Equal(Header + $"named        v1        {busybox.ShortId}   56 years ago   {busybox.Size}\n", await _farm.RunCheckedAsync("images"));
    }

    [Fact]
    public async Task A_docker_archive_written_by_skopeo_loads_under_its_repo_tag()
    {
        var busybox = await Busybox.GetAsync();
        var archive = _farm.Combine("skopeo-docker.tar");
        await Skopeo.CopyAsync($"oci-archive:{busybox.ArchivePath}:{BusyboxImage.RefName}", $"docker-archive:{archive}:localhost:5000/from/skopeo:v2");

        Assert.Equal("Loaded image: localhost:5000/from/skopeo:v2\n", await _farm.RunCheckedAsync("load", "-i", archive));
        Assert.Equal($"{busybox.ConfigDigest}\n", await _farm.RunCheckedAsync("images", "-q", "--no-trunc"));
    }

    [Fact]
    public async Task A_gzip_compressed_archive_loads()
    {
        var busybox = await Busybox.GetAsync();
        var compressed = _farm.Combine("busybox.tar.gz");
        await ProcessRunner.RunCheckedAsync("sh", ["-c", $"gzip -c '{busybox.ArchivePath}' > '{compressed}'"]);

        Assert.Equal("Loaded image: busybox:latest\n", await _farm.RunCheckedAsync("load", "-i", compressed));
        Assert.Equal($"{busybox.ConfigDigest}\n", await _farm.RunCheckedAsync("images", "-q", "--no-trunc"));
    }

    public void Dispose() => _farm.Dispose();

    /// <summary>The busybox layout with an index.json that names nothing, tarred the way skopeo's oci-archive is.</summary>
    private async Task<string> WriteUnnamedArchiveAsync(Busybox busybox)
    {
        var layout = _farm.Combine("unnamed");
        await ProcessRunner.RunCheckedAsync("cp", ["-r", busybox.Image.LayoutDirectory, layout]);
        await File.WriteAllTextAsync(
            Path.Combine(layout, "index.json"),
            $$"""{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{busybox.ManifestDigest}}","size":{{busybox.ManifestSize}}}]}""");
        var archive = _farm.Combine("unnamed.tar");
        await ProcessRunner.RunCheckedAsync("tar", ["-cf", archive, "-C", layout, "."]);
        return archive;
    }
}
