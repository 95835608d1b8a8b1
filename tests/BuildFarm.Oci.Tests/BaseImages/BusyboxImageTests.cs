using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Oci.Tests.Registry;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.BaseImages;

/// <summary>deploy/base-images/busybox.sh, checked with skopeo, umoci, a tar reader and a real registry.</summary>
public sealed class BusyboxImageTests(RegistryFixture registry) : RegistryTestBase(registry)
{
    private static async Task<string> RunScriptAsync(string output, string umask) =>
        (await ProcessRunner.RunCheckedAsync("bash", ["-c", $"umask {umask} && exec \"$0\" \"$1\"", BusyboxImage.ScriptPath, output])).Trim();

    private static IEnumerable<string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal);

    [Fact]
    public async Task Two_runs_write_the_same_bytes_whatever_the_umask()
    {
        var first = Temp.Combine("first");
        var second = Temp.Combine("second");

        var firstDigest = await RunScriptAsync(first, "022");
        var secondDigest = await RunScriptAsync(second, "077");

        Assert.Equal(firstDigest, secondDigest);
        Assert.Equal((await BusyboxImage.GetAsync()).ManifestDigest, firstDigest);
        Assert.Equal(Files(first), Files(second));
        foreach (var file in Files(first))
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(first, file)), await File.ReadAllBytesAsync(Path.Combine(second, file)));
        }
    }

    [Fact]
    public async Task The_script_needs_exactly_one_argument()
    {
        var result = await ProcessRunner.RunAsync(BusyboxImage.ScriptPath, []);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"usage: {BusyboxImage.ScriptPath} OUTPUT_DIR\n", result.Error);
    }

    [Fact]
    public async Task The_archive_and_the_layout_hold_one_linux_amd64_image_named_busybox_latest()
    {
        var image = await BusyboxImage.GetAsync();

        using var inspect = await Skopeo.InspectAsync($"oci-archive:{image.ArchivePath}:{BusyboxImage.RefName}");
        var root = inspect.RootElement;
        Assert.Equal(image.ManifestDigest, root.GetProperty("Digest").GetString());
        Assert.Equal("amd64", root.GetProperty("Architecture").GetString());
        Assert.Equal("linux", root.GetProperty("Os").GetString());
        Assert.Equal("1970-01-01T00:00:00Z", root.GetProperty("Created").GetString());
        Assert.Equal(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], root.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Single(root.GetProperty("Layers").EnumerateArray());
        Assert.Equal(image.ManifestDigest, await Skopeo.InspectDigestAsync($"oci:{image.LayoutDirectory}:{BusyboxImage.RefName}"));

        var index = ImageIndex.Parse(await File.ReadAllBytesAsync(Path.Combine(image.LayoutDirectory, "index.json")));
        var entry = Assert.Single(index.Manifests);
        Assert.Equal(BusyboxImage.RefName, entry.GetAnnotation(AnnotationKeys.RefName));
        Assert.Equal("docker.io/library/busybox:latest", entry.GetAnnotation(AnnotationKeys.ContainerdImageName));
        Assert.Equal(Platform.Parse("linux/amd64"), entry.Platform);
    }

    [Fact]
    public async Task Its_json_documents_are_in_the_canonical_form_of_the_image_model()
    {
        var busybox = await BusyboxSource.LoadAsync();
        var configBytes = await File.ReadAllBytesAsync(busybox.Blobs.PathOf(busybox.Config.Digest));
        var banner = (await ProcessRunner.RunCheckedAsync("/bin/busybox", [])).Split('\n')[0];
        var version = banner["BusyBox ".Length..^" multi-call binary.".Length];

        var config = ImageConfig.Parse(configBytes);

        Assert.Equal(configBytes, config.ToJson());
        Assert.Equal(await File.ReadAllBytesAsync(busybox.Blobs.PathOf(busybox.Manifest.Digest)), busybox.Parsed.ToJson());
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(busybox.Image.LayoutDirectory, "index.json")),
            ImageIndex.Parse(await File.ReadAllBytesAsync(Path.Combine(busybox.Image.LayoutDirectory, "index.json"))).ToJson());
        Assert.Equal(["sh"], config.Config?.Cmd);
        Assert.Equal($"deploy/base-images/busybox.sh: BusyBox {version}", Assert.Single(config.History!).CreatedBy);
        Assert.Equal(DateTimeOffset.UnixEpoch, config.Created);
        Assert.Equal(MediaTypes.OciLayerGzip, busybox.Layer.MediaType);

        await using var layer = File.OpenRead(busybox.Blobs.PathOf(busybox.Layer.Digest));
        await using var tar = new GZipStream(layer, CompressionMode.Decompress);
        Assert.Equal(Digest.FromSha256Hash(await SHA256.HashDataAsync(tar)), Assert.Single(config.RootFs.DiffIds));
    }

    [Fact]
    public async Task The_layer_has_every_applet_linked_and_the_users_files_owned_right()
    {
        var busybox = await BusyboxSource.LoadAsync();
        var entries = await ReadLayerAsync(busybox.Blobs.PathOf(busybox.Layer.Digest));
        var applets = (await ProcessRunner.RunCheckedAsync("/bin/busybox", ["--list-full"]))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(a => a != "bin/busybox").ToList();

        Assert.Equal(entries.Keys.Order(StringComparer.Ordinal), entries.Keys);
        Assert.All(entries.Values, e => Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime));
        foreach (var applet in applets)
        {
            Assert.Equal((TarEntryType.SymbolicLink, "/bin/busybox"), (entries[applet].EntryType, entries[applet].LinkName));
        }

        var busyboxEntry = entries["bin/busybox"];
        Assert.Equal(TarEntryType.RegularFile, busyboxEntry.EntryType);
        Assert.Equal(Mode("755"), busyboxEntry.Mode);
        Assert.Equal(new FileInfo("/bin/busybox").Length, busyboxEntry.Length);

        Assert.Equal("root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n", entries["etc/passwd"].Text);
        Assert.Equal("root:x:0:\nuser:x:1000:\n", entries["etc/group"].Text);
        Assert.Equal((Mode("644"), 0, 0), (entries["etc/passwd"].Mode, entries["etc/passwd"].Uid, entries["etc/passwd"].Gid));

        Assert.Equal((TarEntryType.Directory, Mode("1777"), 0, 0), Dir(entries["tmp/"]));
        Assert.Equal((TarEntryType.Directory, Mode("700"), 0, 0), Dir(entries["root/"]));
        Assert.Equal((TarEntryType.Directory, Mode("755"), 0, 0), Dir(entries["home/"]));
        Assert.Equal((TarEntryType.Directory, Mode("755"), 1000, 1000), Dir(entries["home/user/"]));
        Assert.Equal(["home/user/"], entries.Values.Where(e => e.Uid != 0 || e.Gid != 0).Select(e => e.Name));

        var directories = entries.Keys.Where(k => k.EndsWith('/')).ToList();
        Assert.Equal(
            ["bin/", "etc/", "home/", "home/user/", "root/", "sbin/", "tmp/", "usr/", "usr/bin/", "usr/sbin/"],
            directories);
        Assert.Equal(applets.Count + 3 + directories.Count, entries.Count); // + busybox, passwd, group

        static (TarEntryType, UnixFileMode, int, int) Dir(LayerEntry e) => (e.EntryType, e.Mode, e.Uid, e.Gid);
    }

    [Fact]
    public async Task Umoci_unpacks_a_rootfs_where_sh_is_busybox()
    {
        var image = await BusyboxImage.GetAsync();
        var bundle = Temp.Combine("bundle");

        await ProcessRunner.RunCheckedAsync("umoci", ["unpack", "--rootless", "--image", $"{image.LayoutDirectory}:{BusyboxImage.RefName}", bundle]);

        var rootfs = Path.Combine(bundle, "rootfs");
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(rootfs, "bin", "sh")).LinkTarget);
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(rootfs, "usr", "bin", "env")).LinkTarget);
        Assert.Equal(await File.ReadAllBytesAsync("/bin/busybox"), await File.ReadAllBytesAsync(Path.Combine(rootfs, "bin", "busybox")));
        Assert.Equal(Mode("1777"), File.GetUnixFileMode(Path.Combine(rootfs, "tmp")));
        Assert.Equal("root:x:0:\nuser:x:1000:\n", await File.ReadAllTextAsync(Path.Combine(rootfs, "etc", "group")));
    }

    [Fact]
    public async Task Our_client_pushes_it_to_a_real_registry_and_pulls_it_back_unchanged()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = new RegistryClient();
        var repository = Repository("base/busybox");

        await new ImagePusher(client).PushAsync(repository, busybox.Manifest, busybox.Blobs, ["latest"]);
        var sink = new DirectoryBlobStore(Temp.Combine("pulled"));
        var pulled = await new ImagePuller(client).PullAsync(ImageReference.ForTag(repository, "latest"), sink);

        Assert.Equal(busybox.Image.ManifestDigest, pulled.Manifest.Digest.ToString());
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker("base/busybox:latest")));
        foreach (var blob in new[] { busybox.Manifest, busybox.Config, busybox.Layer })
        {
            Assert.Equal(await File.ReadAllBytesAsync(busybox.Blobs.PathOf(blob.Digest)), await File.ReadAllBytesAsync(sink.PathOf(blob.Digest)));
        }
    }

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private sealed record LayerEntry(string Name, TarEntryType EntryType, UnixFileMode Mode, int Uid, int Gid, string LinkName, long Length, DateTimeOffset ModificationTime, string? Text);

    private static async Task<Dictionary<string, LayerEntry>> ReadLayerAsync(string path)
    {
        var entries = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        await using var file = File.OpenRead(path);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            string? text = null;
            if (entry.EntryType == TarEntryType.RegularFile && entry.Length < 4096 && entry.DataStream is { } data)
            {
                text = await new StreamReader(data, Encoding.UTF8).ReadToEndAsync();
            }

            entries.Add(entry.Name, new LayerEntry(entry.Name, entry.EntryType, entry.Mode, entry.Uid, entry.Gid, entry.LinkName, entry.Length, entry.ModificationTime, text));
        }

        return entries;
    }
}
