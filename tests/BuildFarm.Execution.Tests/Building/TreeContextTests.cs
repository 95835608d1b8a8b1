using BuildFarm.Execution.Building;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Storage.Trees;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Building;

/// <summary>A context sent as a content tree: keys from its digests, files from the store, nothing written out.</summary>
[Collection(EngineCollection.Name)]
public sealed class TreeContextTests(EngineFixture fixture)
{
    private const string Dockerfile = """
        FROM busybox
        COPY src/a/ /a/
        COPY --chmod=600 src/b/file-7.txt /b7
        RUN ls -lR /a /b7 > /listing
        """;

    [Fact]
    public async Task A_step_that_runs_reads_exactly_the_files_it_selects_and_a_warm_build_reads_and_hashes_none()
    {
        using var build = Populated(new TestBuild(fixture, context: ContextKind.Tree));

        var cold = await build.BuildAsync(Dockerfile);
        var readCold = build.Engine.ContextReads.Files;
        var warm = await build.BuildAsync(Dockerfile);

        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran, StepOutcome.Ran], cold.Outcomes);
        Assert.Equal(101, readCold); // the 100 files of src/a and src/b/file-7.txt, none of the other 100
        Assert.Equal([StepOutcome.Cached, StepOutcome.Cached, StepOutcome.Cached], warm.Outcomes);
        Assert.Equal(readCold, build.Engine.ContextReads.Files);
        Assert.Equal(0, build.Engine.FilesHashed);
        Assert.False(Directory.Exists(Path.Combine(fixture.DataDirectory, "contexts")));
    }

    [Fact]
    public async Task A_tree_context_builds_the_same_layers_and_image_as_the_same_files_in_a_directory()
    {
        using var fromDirectory = Populated(new TestBuild(fixture, context: ContextKind.Directory));
        using var fromTree = Populated(new TestBuild(fixture, context: ContextKind.Tree));

        var directory = await fromDirectory.BuildAsync(Dockerfile);
        var tree = await fromTree.BuildAsync(Dockerfile);

        Assert.Equal(directory.Result.Steps.Select(s => s.Key), tree.Result.Steps.Select(s => s.Key));
        Assert.Equal(directory.Result.Steps.Select(s => s.Layer), tree.Result.Steps.Select(s => s.Layer));
        Assert.Equal(directory.Result.Manifest, tree.Result.Manifest);
    }

    [Fact]
    public async Task A_dockerfile_missing_from_the_tree_is_named_as_the_request_named_it()
    {
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        build.Write("other.txt", "x");
        var root = await build.SendContextAsync();

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => build.Engine.BuildAsync(new BuildRequest { ContextTree = root, DockerfilePath = "sub/Dockerfile" }));

        Assert.Equal("The Dockerfile 'sub/Dockerfile' does not exist in the build context.", error.Message);
    }

    [Fact]
    public async Task A_file_of_the_tree_missing_from_the_store_fails_the_step_that_copies_it_and_names_it()
    {
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        var node = TreeNode.Create([TreeEntry.File("gone.txt", 0b110_100_100, 0, 0, 5, Oci.Digest.Sha256("never"u8.ToArray()))]);
        await fixture.Store.WriteAsync(new MemoryStream(node.Bytes.ToArray()), node.Digest, node.Bytes.Length);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => build.Engine.BuildAsync(new BuildRequest
        {
            ContextTree = node.Digest,
            DockerfileContent = "FROM busybox\nCOPY gone.txt /\n",
        }));

        Assert.Equal(
            $"Dockerfile:2: COPY gone.txt /: Tree {node.Digest} is incomplete: blob {Oci.Digest.Sha256("never"u8.ToArray())} (\"gone.txt\") is not in the content store.",
            error.Message);
    }

    [Fact]
    public async Task A_bind_mount_of_a_tree_context_shows_the_directory_it_names_and_keeps_no_write()
    {
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        build.Write("src/a.txt", "A\n").Write("src/sub/b.txt", "B\n").Write("other.txt", "not mounted\n");
        File.CreateSymbolicLink(Path.Combine(build.ContextDirectory, "src", "link"), "a.txt");

        var outcome = await build.BuildAsync("""
            FROM busybox
            RUN --mount=type=bind,source=src,target=/mnt,rw find /mnt | sort && cat /mnt/link /mnt/sub/b.txt && echo x > /mnt/new
            RUN --mount=type=bind,source=src/sub/b.txt,target=/b.txt cat /b.txt
            """);

        Assert.Equal(["/mnt", "/mnt/a.txt", "/mnt/link", "/mnt/sub", "/mnt/sub/b.txt", "A", "B", "B"], outcome.Output);
        Assert.Equal(3, build.Engine.ContextReads.Files); // a.txt and sub/b.txt for the first step, sub/b.txt again for the second
    }

    // 200 files in two folders; only some of them are read.
    private static TestBuild Populated(TestBuild build)
    {
        for (var i = 0; i < 100; i++)
        {
            build.Write($"src/a/file-{i}.txt", $"a {i}\n").Write($"src/b/file-{i}.txt", $"b {i}\n");
        }

        return build;
    }
}
