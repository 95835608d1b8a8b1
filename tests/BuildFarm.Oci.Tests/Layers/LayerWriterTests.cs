using BuildFarm.Oci.Images;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tar;
using BuildFarm.Oci.Tests.TestSupport;

namespace BuildFarm.Oci.Tests.Layers;

public class LayerWriterTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    /// <summary>security.capability v2 granting cap_net_bind_service and cap_setfcap (bit 31: a byte above 0x7f, not UTF-8).</summary>
    private static readonly byte[] Capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static void MakeSampleTree(string root, DateTimeOffset mtime)
    {
        new TreeBuilder(root)
            .Directory("bin", "755")
            .File("bin/tool", "#!/bin/sh\necho tool\n", "4755", "0:0")
            .File("bin/group-tool", "g", "2711", "0:50")
            .Directory("tmp", "1777")
            .Directory("home", "755")
            .Directory("home/app", "700", "1000:1000")
            .File("home/app/data.txt", "hello\n", "640", "1000:1001")
            .File("home/app/empty", string.Empty, "600", "1000:1000")
            .HardLink("home/app/data-link.txt", "home/app/data.txt")
            .Symlink("home/app/latest", "data.txt", "1000:1000")
            .Directory("empty-dir", "750", "5:6")
            .Fifo("run.fifo", "620")
            .CharDevice("null", 1, 3, "666")
            .TouchAll(mtime);
        LibC.SetXattr(System.IO.Path.Combine(root, "bin/tool"), "security.capability", Capability);
    }

    [Fact]
    public async Task Same_tree_at_different_times_gives_identical_digests_with_source_date_epoch()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        MakeSampleTree(first.Path, Epoch.AddDays(3));
        MakeSampleTree(second.Path, Epoch.AddDays(40));
        var options = new LayerWriterOptions { SourceDateEpoch = Epoch };

        var a = await LayerWriter.WriteAsync(first.Path, new MemoryStream(), options);
        var b = await LayerWriter.WriteAsync(second.Path, new MemoryStream(), options);
        var c = await LayerWriter.WriteAsync(second.Path, new MemoryStream(), options with { Compression = LayerCompression.None });

        Assert.Equal(a, b);
        Assert.Equal(a.DiffId, c.DiffId);
        Assert.Equal(c.Descriptor.Digest, c.DiffId);
        Assert.Equal(MediaTypes.OciLayerGzip, a.Descriptor.MediaType);
        Assert.Equal(MediaTypes.OciLayer, c.Descriptor.MediaType);
        // The format is fixed: this digest may change only with a deliberate format change.
        Assert.Equal("sha256:81c132c88af8f6d1c0997bd3829c910f1b5d640de9dce719d8b075a9881e28b8", a.DiffId.ToString());
    }

    [Fact]
    public async Task Every_entry_type_is_written_with_owner_mode_and_links()
    {
        using var dir = new TempDirectory();
        MakeSampleTree(dir.Path, Epoch.AddDays(1));
        var tar = new MemoryStream();

        var layer = await LayerWriter.WriteAsync(dir.Path, tar, new LayerWriterOptions { SourceDateEpoch = Epoch, Compression = LayerCompression.None });

        tar.Position = 0;
        var headers = await TarTestExtensions.ReadHeadersAsync(tar);
        Assert.Equal(
            [
                "bin/ Directory 755 0:0 ",
                "bin/group-tool RegularFile 2711 0:50 ",
                "bin/tool RegularFile 4755 0:0 ",
                "empty-dir/ Directory 750 5:6 ",
                "home/ Directory 755 0:0 ",
                "home/app/ Directory 700 1000:1000 ",
                "home/app/data-link.txt RegularFile 640 1000:1001 ",
                "home/app/data.txt HardLink 640 1000:1001 home/app/data-link.txt",
                "home/app/empty RegularFile 600 1000:1000 ",
                "home/app/latest SymbolicLink 777 1000:1000 data.txt",
                "null CharacterDevice 666 0:0 ",
                "run.fifo Fifo 620 0:0 ",
                "tmp/ Directory 1777 0:0 ",
            ],
            headers.Select(h => $"{h.Name} {h.Kind} {Convert.ToString(h.Mode, 8)} {h.Uid}:{h.Gid} {h.LinkName}"));
        Assert.All(headers, h => Assert.Equal(Epoch.ToUnixTimeSeconds(), h.ModificationTime));
        Assert.All(headers, h => Assert.Equal((string.Empty, string.Empty), (h.UserName, h.GroupName)));
        Assert.Equal((1, 3), (headers[10].DevMajor, headers[10].DevMinor));
        Assert.Equal(Capability, headers[2].Xattrs["security.capability"]);
        Assert.Equal(6, headers[6].Size);
        Assert.Equal(layer.UncompressedSize, tar.Length);
    }

    [Fact]
    public async Task GNU_tar_reads_the_layer_with_the_same_listing()
    {
        using var dir = new TempDirectory();
        MakeSampleTree(dir.Path, Epoch);
        var tarPath = dir.Combine("..", $"{System.IO.Path.GetFileName(dir.Path)}.tar");
        try
        {
            await using (var file = File.Create(tarPath))
            {
                await LayerWriter.WriteAsync(dir.Path, file, new LayerWriterOptions { Compression = LayerCompression.None });
            }

            var listing = Tools.Run("tar", ["--numeric-owner", "--utc", "-tvf", tarPath]);

            Assert.Equal(
                """
                drwxr-xr-x 0/0               0 2023-11-14 22:13 bin/
                -rwx--s--x 0/50              1 2023-11-14 22:13 bin/group-tool
                -rwsr-xr-x 0/0              20 2023-11-14 22:13 bin/tool
                drwxr-x--- 5/6               0 2023-11-14 22:13 empty-dir/
                drwxr-xr-x 0/0               0 2023-11-14 22:13 home/
                drwx------ 1000/1000         0 2023-11-14 22:13 home/app/
                -rw-r----- 1000/1001         6 2023-11-14 22:13 home/app/data-link.txt
                hrw-r----- 1000/1001         0 2023-11-14 22:13 home/app/data.txt link to home/app/data-link.txt
                -rw------- 1000/1000         0 2023-11-14 22:13 home/app/empty
                lrwxrwxrwx 1000/1000         0 2023-11-14 22:13 home/app/latest -> data.txt
                crw-rw-rw- 0/0             1,3 2023-11-14 22:13 null
                prw--w---- 0/0               0 2023-11-14 22:13 run.fifo
                drwxrwxrwt 0/0               0 2023-11-14 22:13 tmp/

                """,
                listing);
        }
        finally
        {
            File.Delete(tarPath);
        }
    }

    [Fact]
    public async Task Entries_are_sorted_by_path_bytes_and_long_or_unicode_names_go_to_PAX()
    {
        using var dir = new TempDirectory();
        var longName = new string('n', 120);
        var tree = new TreeBuilder(dir.Path)
            .Directory("a")
            .File("a/b", "1")
            .File("a-b", "2")
            .File("B", "3")
            .File("é", "4")
            .File("\U0001F600", "5")
            .File("\uFFFD", "6")
            .File(longName, "7");
        tree.TouchAll(Epoch);
        var tar = new MemoryStream();

        await LayerWriter.WriteAsync(dir.Path, tar, new LayerWriterOptions { Compression = LayerCompression.None });

        tar.Position = 0;
        var names = (await TarTestExtensions.ReadHeadersAsync(tar)).Select(h => h.Name).ToList();
        Assert.Equal(["B", "a/", "a-b", "a/b", longName, "é", "\uFFFD", "\U0001F600"], names);

        var extracted = new TempDirectory();
        using (extracted)
        {
            var tarPath = extracted.Combine("layer.tar");
            await File.WriteAllBytesAsync(tarPath, tar.ToArray());
            Tools.Run("tar", ["-xf", tarPath, "-C", extracted.CreateDirectory("out")]);
            Assert.Equal("7", await File.ReadAllTextAsync(extracted.Combine("out", longName)));
            Assert.Equal("5", await File.ReadAllTextAsync(extracted.Combine("out", "\U0001F600")));
        }
    }

    [Fact]
    public async Task Gzip_output_has_a_fixed_header_and_gunzips_to_the_diff_id()
    {
        using var dir = new TempDirectory();
        MakeSampleTree(dir.Path, Epoch);
        var blobPath = dir.Combine("..", System.IO.Path.GetFileName(dir.Path) + ".tgz");
        try
        {
            LayerBlob layer;
            await using (var file = File.Create(blobPath))
            {
                layer = await LayerWriter.WriteAsync(dir.Path, file, new LayerWriterOptions { SourceDateEpoch = Epoch });
            }

            var bytes = await File.ReadAllBytesAsync(blobPath);
            // magic, deflate, no flags (no name), mtime 0, no extra flags, OS unix.
            Assert.Equal([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03], bytes[..10]);
            Assert.Equal(layer.Descriptor.Size, bytes.Length);
            Assert.Equal(layer.Descriptor.Digest, Digest.Sha256(bytes));
            Assert.Equal($"{layer.DiffId.Hex}  -\n", Tools.Shell($"gzip -dc '{blobPath}' | sha256sum"));
            Assert.Equal($"{layer.UncompressedSize}\n", Tools.Shell($"gzip -dc '{blobPath}' | wc -c"));
        }
        finally
        {
            File.Delete(blobPath);
        }
    }

    [Fact]
    public async Task Zstd_output_is_read_by_the_zstd_tool_and_gives_the_same_diff_id()
    {
        using var dir = new TempDirectory();
        MakeSampleTree(dir.Path, Epoch);
        var blobPath = dir.Combine("..", System.IO.Path.GetFileName(dir.Path) + ".tzst");
        try
        {
            LayerBlob zstd, gzip;
            await using (var file = File.Create(blobPath))
            {
                zstd = await LayerWriter.WriteAsync(dir.Path, file, new LayerWriterOptions { Compression = LayerCompression.Zstd });
            }

            gzip = await LayerWriter.WriteAsync(dir.Path, new MemoryStream());

            Assert.Equal(MediaTypes.OciLayerZstd, zstd.Descriptor.MediaType);
            Assert.Equal(gzip.DiffId, zstd.DiffId);
            Assert.Equal($"{zstd.DiffId.Hex}  -\n", Tools.Shell($"zstd -dc '{blobPath}' | sha256sum"));
            Assert.Equal($"{zstd.Descriptor.Digest.Hex}  {blobPath}\n", Tools.Run("sha256sum", [blobPath]));
        }
        finally
        {
            File.Delete(blobPath);
        }
    }

    [Fact]
    public async Task Overlay_upper_dir_becomes_whiteouts_and_opaque_markers()
    {
        using var dir = new TempDirectory();
        var lower = new TreeBuilder(dir.CreateDirectory("lower"))
            .File("gone.txt", "bye")
            .File("kept.txt", "stay")
            .Directory("d")
            .File("d/old1", "1")
            .File("d/old2", "2")
            .Directory("e")
            .File("e/x", "x");
        var upper = dir.CreateDirectory("upper");
        var merged = dir.CreateDirectory("merged");
        dir.CreateDirectory("work");
        Tools.Run("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir={lower.Root},upperdir={upper},workdir={dir.Combine("work")}", merged]);
        try
        {
            File.Delete(System.IO.Path.Combine(merged, "gone.txt"));
            Directory.Delete(System.IO.Path.Combine(merged, "d"), recursive: true);
            Directory.CreateDirectory(System.IO.Path.Combine(merged, "d"));
            await File.WriteAllTextAsync(System.IO.Path.Combine(merged, "d", "new"), "n");
            File.Delete(System.IO.Path.Combine(merged, "e", "x"));
            await File.WriteAllTextAsync(System.IO.Path.Combine(merged, "added"), "a");
        }
        finally
        {
            Tools.Run("umount", [merged]);
        }

        var tar = new MemoryStream();
        await LayerWriter.WriteAsync(upper, tar, new LayerWriterOptions { Compression = LayerCompression.None, Source = LayerSource.OverlayUpper });

        tar.Position = 0;
        var headers = await TarTestExtensions.ReadHeadersAsync(tar);
        Assert.Equal(
            [".wh.gone.txt RegularFile 0", "added RegularFile 1", "d/ Directory 0", "d/.wh..wh..opq RegularFile 0", "d/new RegularFile 1", "e/ Directory 0", "e/.wh.x RegularFile 0"],
            headers.Select(h => $"{h.Name} {h.Kind} {h.Size}"));
        Assert.All(headers, h => Assert.Empty(h.Xattrs));
    }

    [Fact]
    public async Task Plain_directory_mode_keeps_character_devices_as_devices()
    {
        using var dir = new TempDirectory();
        new TreeBuilder(dir.Path).CharDevice("whiteout-looking", 0, 0, "000");
        var tar = new MemoryStream();

        await LayerWriter.WriteAsync(dir.Path, tar, new LayerWriterOptions { Compression = LayerCompression.None });

        tar.Position = 0;
        var header = Assert.Single(await TarTestExtensions.ReadHeadersAsync(tar));
        Assert.Equal(("whiteout-looking", TarEntryKind.CharacterDevice), (header.Name, header.Kind));
    }

    [Fact]
    public async Task Missing_directory_is_an_error_naming_it()
    {
        var e = await Assert.ThrowsAsync<IOException>(() => LayerWriter.WriteAsync("/nonexistent/layer-dir", new MemoryStream()));
        Assert.Equal("Cannot stat '/nonexistent/layer-dir': No such file or directory.", e.Message);
    }
}
