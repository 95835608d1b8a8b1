using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Oci.Layers;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Snapshots;

[Collection(EngineCollection.Name)]
public sealed class SnapshotStoreTests(EngineFixture fixture)
{
    [Fact]
    public async Task A_chain_of_200_layers_mounts_with_the_top_layer_winning()
    {
        List<LayerBlob> chain = [fixture.Busybox];
        for (var i = 0; i < 200; i++)
        {
            var index = i;
            chain.Add(await Layers.WriteAsync(fixture.Store, tree =>
            {
                Directory.CreateDirectory(Path.Combine(tree, "layers"));
                File.WriteAllText(Path.Combine(tree, "layers", $"{index:D3}"), $"layer {index}\n");
                File.WriteAllText(Path.Combine(tree, "top"), $"{index}\n");
            }));
        }

        var outcome = await fixture.RunAsync(
            new SandboxProcess { Arguments = SandboxProcess.ShellForm("ls /layers | wc -l; cat /top /layers/000 /layers/199"), Environment = [EngineFixture.Path] },
            chain);

        // With absolute paths, 201 snapshot dirs would need about 20 KB of mount options; a page is 4 KB.
        Assert.Equal(["200", "199", "layer 0", "layer 199"], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_layer_twice_in_a_row_mounts_as_one()
    {
        var layer = await Layers.WriteAsync(fixture.Store, tree => File.WriteAllText(Path.Combine(tree, "twice"), "same\n"));

        // overlayfs refuses one directory as two lower dirs ("Too many levels of symbolic links").
        var outcome = await fixture.RunShellAsync("cat /twice; echo more >> /twice", above: [layer, layer]);

        Assert.Equal(["same"], outcome.Stdout);
        Assert.Equal([LayerItem.File("twice", "same\nmore\n")], await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_layer_repeated_above_one_that_deleted_its_file_brings_the_file_back()
    {
        var adding = await Layers.WriteAsync(fixture.Store, tree => File.WriteAllText(Path.Combine(tree, "again"), "back\n"));
        var deleting = await fixture.RunShellAsync("rm /again", above: adding);

        // Dropping the repeat would leave the file deleted: each place in the chain needs its own lower dir.
        var outcome = await fixture.RunShellAsync("cat /again; echo changed > /again", above: [adding, deleting.Layer, adding]);

        Assert.Equal(["back"], outcome.Stdout);
        Assert.Equal([LayerItem.File("again", "changed\n")], await Layers.ReadAsync(fixture.Store, outcome.Layer));
        Assert.Equal("back\n", await File.ReadAllTextAsync(Path.Combine(fixture.Engine.Snapshots.PathOf(adding.DiffId), "again")));
    }

    [Fact]
    public async Task Concurrent_requests_for_a_layer_share_one_snapshot()
    {
        var layer = await Layers.WriteAsync(fixture.Store, tree => File.WriteAllText(Path.Combine(tree, "shared"), "once\n"));

        var paths = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => fixture.Engine.Snapshots.EnsureAsync(layer)));

        Assert.All(paths, path => Assert.Equal(Path.Combine(fixture.DataDirectory, "snapshots", layer.DiffId.Hex), path));
        Assert.Equal(["shared"], Directory.EnumerateFileSystemEntries(paths[0]).Select(Path.GetFileName));
        Assert.Equal("once\n", await File.ReadAllTextAsync(Path.Combine(paths[0], "shared")));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(fixture.DataDirectory, "snapshots")), static path => Path.GetFileName(path).StartsWith('.'));
    }

    [Fact]
    public async Task A_blob_that_is_not_the_layer_it_claims_is_refused()
    {
        var real = await Layers.WriteAsync(fixture.Store, tree => File.WriteAllText(Path.Combine(tree, "claimed"), "x"));
        var wrongDiffId = Digest.Sha256("not this layer"u8);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => fixture.Engine.Snapshots.EnsureAsync(real with { DiffId = wrongDiffId }));

        Assert.Equal($"Layer blob {real.Descriptor.Digest} unpacks to diffID {real.DiffId}, not the expected {wrongDiffId}.", error.Message);
        Assert.False(fixture.Engine.Snapshots.Contains(wrongDiffId));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(fixture.DataDirectory, "snapshots")), static path => Path.GetFileName(path).StartsWith('.'));
    }

    [Fact]
    public async Task Snapshots_are_overlay_lower_dirs()
    {
        var layer = await Layers.WriteAsync(fixture.Store, tree => File.WriteAllText(Path.Combine(tree, "kept"), "k"));
        var deleting = await fixture.RunShellAsync("rm /etc/passwd", above: layer);

        var snapshot = await fixture.Engine.Snapshots.EnsureAsync(deleting.Layer);

        // The whiteout of the layer is overlayfs' 0/0 character device.
        Assert.Equal("character special file 0:0\n", await ProcessRunner.RunCheckedAsync("stat", ["-c", "%F %t:%T", Path.Combine(snapshot, "etc", "passwd")]));
        Assert.Equal(["passwd"], Directory.EnumerateFileSystemEntries(Path.Combine(snapshot, "etc")).Select(Path.GetFileName));
    }
}
