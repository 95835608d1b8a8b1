using BuildFarm.Oci.Images;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Layers;

/// <summary>
/// A layer patched with the changes a real overlayfs upper dir recorded is byte for byte the layer
/// written from the changed tree itself.
/// </summary>
public sealed class LayerPatchTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static readonly string LongName = new('n', 120);

    [Fact]
    public async Task Patching_a_layer_with_an_upper_dirs_changes_gives_the_layer_of_the_changed_tree()
    {
        using var work = new TempDirectory("buildfarm-patch");
        var lower = Path.Combine(work.Path, "lower");
        new TreeBuilder(lower)
            .Directory("src", "755")
            .File("src/keep.txt", "kept\n")
            .File("src/edit.txt", "before\n", "640", "5:6")
            .File("src/gone.txt", "gone\n")
            .Directory("src/dir-gone", "755").File("src/dir-gone/a", "a").File("src/dir-gone/b", "b")
            .Directory("src/dir-to-file", "755").File("src/dir-to-file/x", "x")
            .File("src/file-to-dir", "f")
            .Directory("src/renewed", "755").File("src/renewed/old", "old")
            .Directory("src/mode", "755").File("src/mode/inside", "i")
            .Symlink("src/link", "keep.txt")
            .Directory("src/" + LongName, "755").File($"src/{LongName}/{LongName}-file", "long")
            .File("top.txt", "top")
            .TouchAll(Epoch.AddDays(-1));
        LibC.SetXattr(Path.Combine(lower, "src/keep.txt"), "security.capability", [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var options = new LayerWriterOptions { SourceDateEpoch = Epoch };
        var baseLayer = await WriteAsync(lower, options);

        var (upper, merged) = (Path.Combine(work.Path, "upper"), Path.Combine(work.Path, "merged"));
        foreach (var directory in new[] { upper, merged, Path.Combine(work.Path, "work") })
        {
            Directory.CreateDirectory(directory);
        }

        await ProcessRunner.RunCheckedAsync("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir={lower},upperdir={upper},workdir={Path.Combine(work.Path, "work")}", merged]);
        var expectedTree = Path.Combine(work.Path, "expected");
        try
        {
            File.WriteAllText(Path.Combine(merged, "src/edit.txt"), "after, and longer\n");
            File.Delete(Path.Combine(merged, "src/gone.txt"));
            Directory.Delete(Path.Combine(merged, "src/dir-gone"), recursive: true);
            Directory.Delete(Path.Combine(merged, "src/dir-to-file"), recursive: true);
            File.WriteAllText(Path.Combine(merged, "src/dir-to-file"), "now a file");
            File.Delete(Path.Combine(merged, "src/file-to-dir"));
            Directory.CreateDirectory(Path.Combine(merged, "src/file-to-dir"));
            File.WriteAllText(Path.Combine(merged, "src/file-to-dir/child"), "c");
            Directory.Delete(Path.Combine(merged, "src/renewed"), recursive: true);
            Directory.CreateDirectory(Path.Combine(merged, "src/renewed"));
            File.WriteAllText(Path.Combine(merged, "src/renewed/new"), "new");
            LibC.Chmod(Path.Combine(merged, "src/mode"), 0b111_000_000);
            Directory.CreateDirectory(Path.Combine(merged, "src/added/deeper"));
            File.WriteAllText(Path.Combine(merged, "src/added/deeper/file"), "added");
            File.WriteAllText(Path.Combine(merged, $"src/{LongName}/{LongName}-second"), "second");
            File.Delete(Path.Combine(merged, "src/link"));
            File.CreateSymbolicLink(Path.Combine(merged, "src/link"), "edit.txt");
            await ProcessRunner.RunCheckedAsync("cp", ["-a", merged, expectedTree]);
        }
        finally
        {
            await ProcessRunner.RunCheckedAsync("umount", [merged]);
        }

        var changes = new MemoryStream();
        await LayerWriter.WriteAsync(upper, changes, options with { Source = LayerSource.OverlayUpper, Compression = LayerCompression.None });
        changes.Position = 0;
        var patched = new MemoryStream();
        var patchedLayer = await LayerWriter.WritePatchedAsync(new MemoryStream(baseLayer.Bytes), changes, patched, options);

        var expected = await WriteAsync(expectedTree, options);
        Assert.Equal(expected.Layer, patchedLayer);
        Assert.Equal(expected.Bytes, patched.ToArray());
    }

    [Fact]
    public async Task A_base_layer_with_hard_links_is_refused_rather_than_patched_wrongly()
    {
        using var work = new TempDirectory("buildfarm-patch");
        new TreeBuilder(work.Path).File("a", "a").HardLink("b", "a").TouchAll(Epoch);
        var baseLayer = await WriteAsync(work.Path, new LayerWriterOptions { SourceDateEpoch = Epoch });
        var changes = new MemoryStream();
        await new Oci.Tar.TarArchiveWriter(changes, leaveOpen: true).DisposeAsync();
        changes.Position = 0;

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => LayerWriter.WritePatchedAsync(new MemoryStream(baseLayer.Bytes), changes, new MemoryStream()));

        Assert.Equal("The base layer's entry 'b' is a whiteout or a hard link: only plain layers can be patched.", error.Message);
    }

    private static async Task<(LayerBlob Layer, byte[] Bytes)> WriteAsync(string directory, LayerWriterOptions options)
    {
        var blob = new MemoryStream();
        var layer = await LayerWriter.WriteAsync(directory, blob, options);
        return (layer, blob.ToArray());
    }
}
