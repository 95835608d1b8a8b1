using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Snapshots.Internal;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage.Steps;
using BuildFarm.Testing;
using BuildFarm.Testing.FileTrees;

namespace BuildFarm.Execution.Tests.Building;

/// <summary>
/// A COPY of a context directory that ran before on an earlier tree is redone by patching its
/// earlier result: the layer, the image and the snapshot are exactly those of a whole copy.
/// </summary>
[Collection(EngineCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContextCopyPatchTests(EngineFixture fixture)
{
    public static TheoryData<string> Copies => new()
    {
        "COPY src/ /app/",
        "COPY --link --chmod=640 src/ /app/",
        "COPY --exclude=*.tmp . /ctx/",
        "COPY --chown=1000:1000 src /app/src",
        "COPY src/sub /app/sub/",
    };

    [Theory]
    [MemberData(nameof(Copies))]
    public async Task A_copy_patched_after_an_edit_gives_the_layer_image_and_snapshot_of_a_whole_copy(string copy)
    {
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        Populate(build);
        var dockerfile = $"FROM busybox\n{copy}\nRUN echo done > /done\n";
        var cold = await build.BuildAsync(dockerfile);
        Edit(build.ContextDirectory);

        var patched = await build.BuildAsync(dockerfile);
        var whole = await BuildWithoutHistoryAsync(await build.SendContextAsync());

        Assert.Equal(1, build.Engine.CopiesPatched);
        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran], patched.Outcomes);
        Assert.NotEqual(cold.Result.Steps[0].Layer, patched.Result.Steps[0].Layer);
        Assert.Equal(whole.Steps.Select(s => s.Layer), patched.Result.Steps.Select(s => s.Layer));
        Assert.Equal(whole.Manifest, patched.Result.Manifest);
        var layer = patched.Result.Steps[0].Layer!;
        Assert.Equal(await UnpackedAsync(layer), await ListingAsync(fixture.Engine.Snapshots.PathOf(layer.DiffId)));
    }

    [Fact]
    public async Task A_copy_the_patch_cannot_redo_exactly_is_copied_whole()
    {
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        Populate(build);
        build.Write(".dockerignore", "**/*.log\n!src/keep.log\n"); // an exception: what shows depends on more than a path
        var dockerfile = "FROM busybox\nCOPY src/ /app/\n";
        await build.BuildAsync(dockerfile);
        Edit(build.ContextDirectory);

        var rebuilt = await build.BuildAsync(dockerfile);
        var whole = await BuildWithoutHistoryAsync(await build.SendContextAsync());

        Assert.Equal(0, build.Engine.CopiesPatched);
        Assert.Equal(whole.Manifest, rebuilt.Result.Manifest);
    }

    private static void Populate(TestBuild build)
    {
        build.Write(".dockerignore", "**/*.log\n")
            .Write("top.txt", "top\n")
            .Write("src/a.txt", "a\n")
            .Write("src/keep.txt", "keep\n")
            .Write("src/skip.log", "ignored\n")
            .Write("src/scratch.tmp", "excluded\n")
            .Write("src/sub/x", "x\n")
            .Write("src/sub/y", "y\n")
            .Write("src/dir-to-file/z", "z\n")
            .Write("src/file-to-dir", "f\n")
            .Write("src/gone/g1", "g1\n")
            .Write("src/gone/g2", "g2\n")
            .Write("src/mode-dir/m", "m\n");
        File.CreateSymbolicLink(Path.Combine(build.ContextDirectory, "src/link"), "a.txt");
    }

    // Every kind of change a tree can show: content, deletion, kind, mode, link target, additions, and ignored files.
    private static void Edit(string context)
    {
        File.WriteAllText(Path.Combine(context, "src/a.txt"), "a, edited\n");
        File.WriteAllText(Path.Combine(context, "src/sub/x"), "x, edited\n");
        Directory.Delete(Path.Combine(context, "src/gone"), recursive: true);
        Directory.Delete(Path.Combine(context, "src/dir-to-file"), recursive: true);
        File.WriteAllText(Path.Combine(context, "src/dir-to-file"), "now a file\n");
        File.Delete(Path.Combine(context, "src/file-to-dir"));
        Directory.CreateDirectory(Path.Combine(context, "src/file-to-dir"));
        File.WriteAllText(Path.Combine(context, "src/file-to-dir/child"), "c\n");
        File.Delete(Path.Combine(context, "src/link"));
        File.CreateSymbolicLink(Path.Combine(context, "src/link"), "keep.txt");
        File.SetUnixFileMode(Path.Combine(context, "src/mode-dir"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(Path.Combine(context, "src/keep.txt"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(context, "src/new/deep"));
        File.WriteAllText(Path.Combine(context, "src/new/deep/file"), "new\n");
        File.WriteAllText(Path.Combine(context, "src/skip.log"), "ignored, edited\n");
        File.WriteAllText(Path.Combine(context, "src/keep.log"), "brought back by an exception\n");
        File.WriteAllText(Path.Combine(context, "src/scratch.tmp"), "excluded, edited\n");
        File.WriteAllText(Path.Combine(context, "added.txt"), "added\n");
    }

    // The same build on an engine with no history: every COPY copied whole.
    private async Task<BuildResult> BuildWithoutHistoryAsync(Oci.Digest context)
    {
        using var steps = new TempDirectory("buildfarm-steps");
        var engine = new BuildEngine(fixture.Engine, fixture.Store, new LocalStepCache(new StepRecordStore(steps.Path)));
        var result = await engine.BuildAsync(new BuildRequest { ContextTree = context });
        Assert.Equal(0, engine.CopiesPatched);
        return result;
    }

    // What the layer's blob unpacks to as a snapshot, listed.
    private async Task<string> UnpackedAsync(LayerBlob layer)
    {
        using var unpacked = new TempDirectory("buildfarm-unpacked");
        await using (var blob = fixture.Store.OpenRead(layer.Descriptor.Digest))
        {
            await LayerApplier.ApplyAsync(blob, unpacked.Path, LayerApplyMode.OverlayLower);
        }

        SnapshotForm.FixRoot(unpacked.Path);
        return await ListingAsync(unpacked.Path);
    }

    // Everything of a tree a later step can see: kinds, modes, owners, contents, link targets, and times.
    private static async Task<string> ListingAsync(string root)
    {
        var tree = await FileTree.ReadAsync(root);
        var times = await ProcessRunner.RunCheckedAsync("find", [root, "-printf", "%P %T@ %m\\n"]);
        return string.Join('\n', tree.Entries.Select(e => e with { HardLinkOf = null })) + "\n" + string.Join('\n', times.Split('\n').Order(StringComparer.Ordinal));
    }
}
