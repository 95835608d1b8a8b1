using BuildFarm.Testing;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tar;
using BuildFarm.Oci.Tests.TestSupport;
using static BuildFarm.Oci.Tests.TestSupport.TarTestExtensions;

namespace BuildFarm.Oci.Tests.Layers;

public class LayerApplierTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);

    [Fact]
    public async Task Round_trip_through_a_layer_keeps_the_tree_exactly()
    {
        using var dir = new TempDirectory();
        var source = new TreeBuilder(dir.CreateDirectory("source"))
            .Directory("bin")
            .File("bin/tool", "tool", "4755", "0:0")
            .File("bin/gtool", "gtool", "2755", "0:7")
            .Directory("tmp", "1777")
            .Directory("home/app", "700", "1000:1000")
            .File("home/app/data", "data", "640", "1000:1001")
            .HardLink("home/app/data2", "home/app/data")
            .Symlink("home/app/link", "../../bin/tool", "1000:1000")
            .Directory("empty", "711", "3:4")
            .Fifo("fifo", "600")
            .CharDevice("zero", 1, 5, "666")
            .TouchAll(Epoch);
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        LibC.SetXattr(source.Path("bin/tool"), "security.capability", capability);
        var blob = new MemoryStream();
        var layer = await LayerWriter.WriteAsync(source.Root, blob);
        blob.Position = 0;
        var target = dir.CreateDirectory("target");

        var result = await LayerApplier.ApplyAsync(blob, target);

        Assert.Equal(layer.DiffId, result.DiffId);
        Assert.Equal(layer.UncompressedSize, result.UncompressedSize);
        Assert.Equal(12, result.EntryCount);
        Assert.Equal(TestImages.Describe(source.Root), TestImages.Describe(target));
        Assert.Equal(capability, LibC.GetXattr(Path.Combine(target, "bin/tool"), "security.capability"));
        Assert.Equal(LibC.LStat(Path.Combine(target, "home/app/data")).Inode, LibC.LStat(Path.Combine(target, "home/app/data2")).Inode);
        Assert.Equal("data", await File.ReadAllTextAsync(Path.Combine(target, "home/app/data2")));
    }

    [Fact]
    public async Task Merge_mode_deletes_whited_out_paths_and_empties_opaque_directories()
    {
        using var dir = new TempDirectory();
        var root = new TreeBuilder(dir.CreateDirectory("root"))
            .File("gone", "x")
            .File("kept", "k")
            .Directory("d")
            .File("d/old", "o")
            .Directory("d/sub")
            .File("d/sub/deep", "deep")
            .Directory("w")
            .File("w/inner", "i");
        var layer = await BuildTarAsync(
            FileEntry(".wh.gone", string.Empty),
            FileEntry(".wh.w", string.Empty),
            DirEntry("d/"),
            FileEntry("d/-new-before-marker", "n1"),
            FileEntry("d/.wh..wh..opq", string.Empty),
            FileEntry("d/new", "n2"),
            FileEntry(".wh..wh.plnk", string.Empty));

        await LayerApplier.ApplyAsync(layer, root.Root);

        Assert.Equal(["d", "d/-new-before-marker", "d/new", "kept"], Tools.Run("find", [".", "-mindepth", "1", "-printf", "%P\\n"], root.Root).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Overlay_lower_mode_makes_whiteout_devices_and_opaque_xattrs_that_overlayfs_honours()
    {
        using var dir = new TempDirectory();
        new TreeBuilder(dir.CreateDirectory("base"))
            .File("gone", "x")
            .File("kept", "k")
            .Directory("d")
            .File("d/old", "o");
        var layer = await BuildTarAsync(
            (new TarHeader { Name = ".wh.gone", Kind = TarEntryKind.RegularFile, ModificationTime = 1262304000 }, string.Empty),
            DirEntry("d/"),
            FileEntry("d/.wh..wh..opq", string.Empty),
            FileEntry("d/new", "n"));
        var snapshot = dir.CreateDirectory("snapshot");

        await LayerApplier.ApplyAsync(layer, snapshot, LayerApplyMode.OverlayLower);

        // The whiteout has its entry's time, not the unpacking's: every unpack gives the same tree.
        var whiteout = LibC.LStat(Path.Combine(snapshot, "gone"));
        Assert.True(whiteout.IsOverlayWhiteout);
        Assert.Equal(new FileTime(1262304000, 0), whiteout.ModificationTime);
        Assert.Equal("y"u8.ToArray(), LibC.GetXattr(Path.Combine(snapshot, "d"), "trusted.overlay.opaque"));
        var merged = dir.CreateDirectory("merged");
        Tools.Run("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir={snapshot}:{dir.Combine("base")}", merged]);
        try
        {
            Assert.Equal(["d", "d/new", "kept"], Tools.Run("find", [".", "-mindepth", "1", "-printf", "%P\\n"], merged).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        }
        finally
        {
            Tools.Run("umount", [merged]);
        }
    }

    [Fact]
    public async Task Overlay_upper_to_layer_to_overlay_lower_reproduces_the_merged_view()
    {
        using var dir = new TempDirectory();
        var lower = new TreeBuilder(dir.CreateDirectory("lower")).File("a", "a").Directory("d").File("d/x", "x").File("b", "b");
        var upper = dir.CreateDirectory("upper");
        var merged = dir.CreateDirectory("merged");
        dir.CreateDirectory("work");
        var options = $"lowerdir={lower.Root},upperdir={upper},workdir={dir.Combine("work")}";
        Tools.Run("mount", ["-t", "overlay", "overlay", "-o", options, merged]);
        Tools.Shell("rm a && rm -r d && mkdir d && echo y > d/y && echo c > c", merged);
        var expected = Tools.Run("find", [".", "-printf", "%P %y %s\\n"], merged);
        Tools.Run("umount", [merged]);
        var blob = new MemoryStream();
        await LayerWriter.WriteAsync(upper, blob, new LayerWriterOptions { Source = LayerSource.OverlayUpper });
        blob.Position = 0;
        var snapshot = dir.CreateDirectory("snapshot");

        await LayerApplier.ApplyAsync(blob, snapshot, LayerApplyMode.OverlayLower);

        Tools.Run("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir={snapshot}:{lower.Root}", merged]);
        try
        {
            Assert.Equal(expected, Tools.Run("find", [".", "-printf", "%P %y %s\\n"], merged));
        }
        finally
        {
            Tools.Run("umount", [merged]);
        }
    }

    [Fact]
    public async Task Existing_directory_is_kept_and_its_metadata_updated_but_a_file_replaces_a_directory()
    {
        using var dir = new TempDirectory();
        var root = new TreeBuilder(dir.CreateDirectory("root")).Directory("keep").File("keep/child", "c").Directory("replace").File("replace/child", "c");
        var layer = await BuildTarAsync(DirEntry("keep/", mode: 0b111_000_000), FileEntry("replace", "now a file"));

        await LayerApplier.ApplyAsync(layer, root.Root);

        Assert.Equal("c", await File.ReadAllTextAsync(root.Path("keep/child")));
        Assert.Equal(0b111_000_000, LibC.LStat(root.Path("keep")).Permissions);
        Assert.Equal("now a file", await File.ReadAllTextAsync(root.Path("replace")));
    }

    [Fact]
    public async Task Corrupt_input_fails_with_the_offset()
    {
        using var dir = new TempDirectory();
        var garbage = new MemoryStream(Enumerable.Repeat((byte)'x', 1024).ToArray());

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => LayerApplier.ApplyAsync(garbage, dir.Path));

        Assert.Equal("Tar header at offset 0 has a bad checksum: this is not a tar stream, or it is corrupt.", e.Message);
    }
}
