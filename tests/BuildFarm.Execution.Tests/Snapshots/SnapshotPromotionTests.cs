using System.Net.Sockets;
using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Snapshots;
using BuildFarm.Execution.Steps;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Snapshots;

/// <summary>
/// A layer the engine has just written becomes its snapshot without a round trip through its
/// blob, and is then exactly what the blob unpacks to on a data directory that never saw the step.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SnapshotPromotionTests(EngineFixture fixture)
{
    private const long Year2001 = 981173106; // 2001-02-03 04:05:06 UTC
    private const long Year2010 = 1262304000; // 2010-01-01 00:00:00 UTC

    [Theory]
    [InlineData(null)]
    [InlineData(Year2010)]
    public async Task A_run_steps_upper_dir_becomes_exactly_the_snapshot_its_blob_unpacks_to(long? sourceDateEpoch)
    {
        var below = await Layers.WriteAsync(fixture.Store, tree =>
        {
            Directory.CreateDirectory(Path.Combine(tree, "data"));
            File.WriteAllText(Path.Combine(tree, "data", "modify.txt"), "before\n");
            File.WriteAllText(Path.Combine(tree, "data", "delete.txt"), "gone\n");
            File.WriteAllText(Path.Combine(tree, "data", "keep.txt"), Guid.NewGuid().ToString());
            Directory.CreateDirectory(Path.Combine(tree, "tree", "b"));
            File.WriteAllText(Path.Combine(tree, "tree", "a"), "a\n");
            File.WriteAllText(Path.Combine(tree, "tree", "b", "c"), "c\n");
        });
        var options = new LayerWriterOptions { SourceDateEpoch = sourceDateEpoch is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null };
        var promotedBefore = fixture.Engine.Snapshots.PromotionCount;

        var layer = await RunAsync(
            $"""
            set -e
            echo {Guid.NewGuid()} > /unique
            echo after >> /data/modify.txt
            rm /data/delete.txt
            rm -rf /tree && mkdir -p /tree/new && echo fresh > /tree/new/file
            mkdir -p /made/deep && echo made > /made/deep/file && chmod 0750 /made/deep
            chown 1000:1000 /made/deep/file
            ln -s deep/file /made/link
            ln /made/deep/file /made/hard
            mkfifo /made/fifo
            echo old > /made/old && touch -d '2001-02-03 04:05:06' /made/old && chmod 4755 /made/old
            """,
            [fixture.Busybox, below],
            options);

        Assert.Equal(promotedBefore + 1, fixture.Engine.Snapshots.PromotionCount);
        var promoted = await SnapshotListing.OfAsync(fixture.Engine.Snapshots.PathOf(layer.DiffId));
        var unpacked = await UnpackOnFreshDataDirectoryAsync(layer);
        SnapshotListing.AssertSame(unpacked, promoted, "unpacked", "promoted");

        // What makes the comparison worth something: a whiteout, an opaque directory, hard links,
        // a fifo, an owner, setuid, and a time older than the clamp kept, the others clamped.
        var clamped = sourceDateEpoch is { } clamp ? $"{clamp}.000000000" : null;
        Assert.Equal(". directory 755 0:0 links=- dev=0:0 size=- mtime=0.000000000", SnapshotListing.Line(promoted, "."));
        Assert.Matches(@"^data/delete\.txt character-special-file 0 0:0 links=1 dev=0:0 size=0 mtime=\d+\.000000000 atime=\d+\.000000000$", SnapshotListing.Line(promoted, "data/delete.txt"));
        Assert.Matches(@"^tree directory 755 0:0 links=- dev=0:0 size=- mtime=\d+\.000000000 xattrs\[trusted\.overlay\.opaque=79\]$", SnapshotListing.Line(promoted, "tree"));
        Assert.Equal(
            $"made/old regular-file 4755 0:0 links=1 dev=0:0 size=4 mtime={Year2001}.000000000 atime={Year2001}.000000000 sha256:{Sha256("old\n")}",
            SnapshotListing.Line(promoted, "made/old"));
        Assert.Matches($@"^made/hard regular-file 644 1000:1000 links=2 dev=0:0 size=5 mtime=\d+\.000000000 atime=\d+\.000000000 sha256:{Sha256("made\n")}$", SnapshotListing.Line(promoted, "made/hard"));
        Assert.Matches(@"^made/fifo fifo 644 0:0 links=1 dev=0:0 size=0 ", SnapshotListing.Line(promoted, "made/fifo"));
        Assert.Matches(@"^made/link symbolic-link 777 0:0 links=1 dev=0:0 size=9 mtime=\d+\.000000000 -> deep/file$", SnapshotListing.Line(promoted, "made/link"));
        if (clamped is not null)
        {
            Assert.All(["data/delete.txt", "tree", "made/hard", "made/link", "made/deep"], path => Assert.Contains($" mtime={clamped}", SnapshotListing.Line(promoted, path), StringComparison.Ordinal));
        }

        Assert.DoesNotContain(promoted, line => line.Contains("trusted.overlay.origin", StringComparison.Ordinal) || line.Contains("trusted.overlay.impure", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Copy_and_copy_link_layers_become_exactly_the_snapshots_their_blobs_unpack_to()
    {
        using var build = new TestBuild(fixture);
        var unique = Guid.NewGuid().ToString();
        build.Write("src/a.txt", unique).Write("src/dir/nested/n.txt", "nested\n").Write("src/bin/tool", "#!/bin/sh\necho tool\n");
        await ProcessRunner.RunCheckedAsync("chmod", ["755", Path.Combine(build.ContextDirectory, "src/bin/tool")]);
        File.CreateSymbolicLink(Path.Combine(build.ContextDirectory, "src/link"), "a.txt");
        var (unpackedBefore, promotedBefore) = (fixture.Engine.Snapshots.UnpackCount, fixture.Engine.Snapshots.PromotionCount);

        var outcome = await build.BuildAsync("FROM busybox\nCOPY src /app\nCOPY --link src /linked/\n");

        Assert.Equal(promotedBefore + 2, fixture.Engine.Snapshots.PromotionCount);
        Assert.Equal(unpackedBefore, fixture.Engine.Snapshots.UnpackCount);
        var layers = outcome.Result.Steps.Select(static step => step.Layer!).ToList();
        Assert.Equal(2, layers.Count);
        var listings = new List<string[]>();
        foreach (var layer in layers)
        {
            // Listed once: a listing reads the files, which updates their access times.
            var promoted = await SnapshotListing.OfAsync(fixture.Engine.Snapshots.PathOf(layer.DiffId));
            SnapshotListing.AssertSame(await UnpackOnFreshDataDirectoryAsync(layer), promoted, "unpacked", "promoted");
            listings.Add(promoted);
        }

        // The build's SOURCE_DATE_EPOCH (the Unix epoch) clamps every time.
        var (copied, linked) = (listings[0], listings[1]);
        Assert.Equal($"app/a.txt regular-file 644 0:0 links=1 dev=0:0 size=36 mtime=0.000000000 atime=0.000000000 sha256:{Sha256(unique)}", SnapshotListing.Line(copied, "app/a.txt"));
        Assert.Equal($"linked/bin/tool regular-file 755 0:0 links=1 dev=0:0 size=20 mtime=0.000000000 atime=0.000000000 sha256:{Sha256("#!/bin/sh\necho tool\n")}", SnapshotListing.Line(linked, "linked/bin/tool"));
        Assert.Equal("linked/link symbolic-link 777 0:0 links=1 dev=0:0 size=5 mtime=0.000000000 -> a.txt", SnapshotListing.Line(linked, "linked/link"));
    }

    [Fact]
    public async Task A_build_whose_steps_read_the_layers_below_unpacks_nothing()
    {
        using var build = new TestBuild(fixture);
        var unique = Guid.NewGuid().ToString();
        build.Write("src/one", unique + "\n").Write("src/two", "two\n");
        var (unpackedBefore, promotedBefore) = (fixture.Engine.Snapshots.UnpackCount, fixture.Engine.Snapshots.PromotionCount);

        var outcome = await build.BuildAsync("FROM busybox\nCOPY src /src\nRUN cat /src/one /src/two > /all\nRUN cat /all && cp /all /again\n");

        Assert.Equal([unique, "two"], outcome.Output);
        Assert.Equal(unpackedBefore, fixture.Engine.Snapshots.UnpackCount);
        Assert.Equal(promotedBefore + 3, fixture.Engine.Snapshots.PromotionCount);
    }

    [Fact]
    public async Task A_tree_with_a_name_the_layer_turns_into_a_whiteout_is_refused_unchanged_and_unpacked_instead()
    {
        using var tree = new TempDirectory("buildfarm-promote");
        Directory.CreateDirectory(tree.Combine("sub"));
        File.WriteAllText(tree.Combine("sub", ".wh.hidden"), Guid.NewGuid().ToString());
        var (layer, options) = await WriteLayerAsync(tree.Path);
        var before = await SnapshotListing.OfAsync(tree.Path);

        var promotion = fixture.Engine.Snapshots.Promote(layer, tree.Path, options);

        Assert.Equal(SnapshotPromotion.Refused("'sub/.wh.hidden' is named like a whiteout, which the layer turns into a deletion"), promotion);
        Assert.Equal(before, await SnapshotListing.OfAsync(tree.Path));
        Assert.False(fixture.Engine.Snapshots.Contains(layer.DiffId));

        var unpackedBefore = fixture.Engine.Snapshots.UnpackCount;
        var snapshot = await fixture.Engine.Snapshots.EnsureAsync(layer);
        Assert.Equal(unpackedBefore + 1, fixture.Engine.Snapshots.UnpackCount);
        Assert.StartsWith("sub/hidden character-special-file 0 0:0 links=1 dev=0:0 ", SnapshotListing.Line(await SnapshotListing.OfAsync(snapshot), "sub/hidden"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_with_hard_links_outside_the_tree_is_refused_and_left_alone()
    {
        using var outside = new TempDirectory("buildfarm-promote-outside");
        using var tree = new TempDirectory("buildfarm-promote");
        File.WriteAllText(outside.Combine("shared"), Guid.NewGuid().ToString());
        File.SetLastWriteTimeUtc(outside.Combine("shared"), new DateTime(2020, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc));
        Directory.CreateDirectory(tree.Combine("bin"));
        await ProcessRunner.RunCheckedAsync("ln", [outside.Combine("shared"), tree.Combine("bin", "shared")]);
        var (layer, options) = await WriteLayerAsync(tree.Path);

        var promotion = fixture.Engine.Snapshots.Promote(layer, tree.Path, options);

        Assert.Equal(SnapshotPromotion.Refused("'bin/shared' has hard links outside the layer's tree"), promotion);
        Assert.Equal(new DateTime(2020, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc), File.GetLastWriteTimeUtc(outside.Combine("shared")));
        Assert.False(fixture.Engine.Snapshots.Contains(layer.DiffId));
    }

    [Fact]
    public async Task Sockets_and_xattrs_the_layer_leaves_out_go_and_a_capability_stays()
    {
        using var tree = new TempDirectory("buildfarm-promote");
        File.WriteAllText(tree.Combine("tool"), Guid.NewGuid().ToString());
        await ProcessRunner.RunCheckedAsync("setcap", ["cap_net_raw+ep", tree.Combine("tool")]);
        SnapshotListing.SetXattr(tree.Combine("tool"), "user.note", "not in the layer"u8.ToArray());
        Directory.CreateDirectory(tree.Combine("dir"));
        SnapshotListing.SetXattr(tree.Combine("dir"), "trusted.overlay.opaque", "y"u8.ToArray()); // a plain directory's: not a layer marker
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(tree.Combine("dir", "socket")));
        }

        var (layer, options) = await WriteLayerAsync(tree.Path);

        Assert.Equal(SnapshotPromotion.Promoted, fixture.Engine.Snapshots.Promote(layer, tree.Path, options));
        Assert.False(Directory.Exists(tree.Path));
        var promoted = await SnapshotListing.OfAsync(fixture.Engine.Snapshots.PathOf(layer.DiffId));
        SnapshotListing.AssertSame(await UnpackOnFreshDataDirectoryAsync(layer), promoted, "unpacked", "promoted");
        Assert.Equal("dir directory 755 0:0 links=- dev=0:0 size=- mtime=0.000000000", SnapshotListing.Line(promoted, "dir"));
        Assert.Matches("^tool regular-file 644 0:0 links=1 dev=0:0 size=36 mtime=0.000000000 atime=0.000000000 sha256:[0-9a-f]{64} xattrs\\[security.capability=[0-9a-f]+\\]$", SnapshotListing.Line(promoted, "tool"));
    }

    [Fact]
    public async Task With_promotion_off_a_step_unpacks_the_layer_below_from_its_blob()
    {
        using var data = new TempDirectory("buildfarm-unpromoted");
        using var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = data.Path });
        var busybox = await EngineFixture.ImportBusyboxAsync(store);
        var engine = await ExecutionEngine.OpenAsync(store, new ExecutionOptions { PromoteLayerDirectories = false });
        var process = new SandboxProcess { Arguments = SandboxProcess.ShellForm("echo one > /one"), Environment = [EngineFixture.Path] };

        var first = await engine.RunStepAsync(new RunStepRequest { Parents = [busybox], Process = process }, static (_, _) => ValueTask.CompletedTask);
        Assert.Equal((1, 0, false), (engine.Snapshots.UnpackCount, engine.Snapshots.PromotionCount, engine.Snapshots.Contains(first.DiffId)));
        await engine.RunStepAsync(new RunStepRequest { Parents = [busybox, first], Process = process with { Arguments = SandboxProcess.ShellForm("cat /one > /two") } }, static (_, _) => ValueTask.CompletedTask);

        Assert.Equal((2, 0), (engine.Snapshots.UnpackCount, engine.Snapshots.PromotionCount));
        Assert.Equal(new[] { busybox.DiffId.Hex, first.DiffId.Hex }.Order(StringComparer.Ordinal), Directory.EnumerateDirectories(data.Combine("snapshots")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private async Task<LayerBlob> RunAsync(string script, IReadOnlyList<LayerBlob> parents, LayerWriterOptions options) =>
        await fixture.Engine.RunStepAsync(
            new RunStepRequest { Parents = parents, Process = new SandboxProcess { Arguments = SandboxProcess.ShellForm(script), Environment = [EngineFixture.Path] }, Layer = options },
            static (_, _) => ValueTask.CompletedTask);

    /// <summary>Stores a layer of a directory, as <c>COPY --link</c> writes one, with times clamped to the Unix epoch.</summary>
    private async Task<(LayerBlob Layer, LayerWriterOptions Options)> WriteLayerAsync(string directory)
    {
        var options = new LayerWriterOptions { SourceDateEpoch = DateTimeOffset.UnixEpoch, Source = LayerSource.Directory };
        using var blob = fixture.Store.BeginWrite();
        var layer = await LayerWriter.WriteAsync(directory, blob, options);
        await blob.CommitAsync();
        return (layer, options);
    }

    /// <summary>The listing of the snapshot that <paramref name="layer"/>'s blob unpacks to on a data directory of its own.</summary>
    private async Task<string[]> UnpackOnFreshDataDirectoryAsync(LayerBlob layer)
    {
        using var data = new TempDirectory("buildfarm-fresh");
        using var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = data.Path });
        await using (var blob = fixture.Store.OpenRead(layer.Descriptor.Digest))
        {
            await store.WriteAsync(blob, layer.Descriptor.Digest, layer.Descriptor.Size);
        }

        var snapshots = new SnapshotStore(new ExecutionPaths(data.Path), store);
        var path = await snapshots.EnsureAsync(layer);
        Assert.Equal(1, snapshots.UnpackCount);
        Assert.Equal(0, snapshots.PromotionCount);
        return await SnapshotListing.OfAsync(path);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
