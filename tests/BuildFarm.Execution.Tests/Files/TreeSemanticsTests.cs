using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Tests.Sources;

namespace BuildFarm.Execution.Tests.Files;

/// <summary>Hard links, devices, --exclude, --parents, heredocs and what happens to entries already in the destination.</summary>
public sealed class TreeSemanticsTests : IDisposable
{
    private readonly CopyScene _scene = new("copy-tree");

    public void Dispose() => _scene.Dispose();

    private string[] Listing => _scene.Listing;

    private Task CopyAsync(CopyRequest request) => _scene.CopyAsync(request);

    private CopyRequest Request(string destination, params string[] sources) => _scene.Request(destination, sources);

    [Fact]
    public async Task Hard_links_inside_a_copied_directory_stay_one_inode_but_not_across_sources()
    {
        TreeBuilder.Write(_scene.Context, ("dir/a", "same"), ("other/", ""));
        TreeListing.Run("ln", Path.Combine(_scene.Context, "dir/a"), Path.Combine(_scene.Context, "dir/b"));
        TreeListing.Run("ln", Path.Combine(_scene.Context, "dir/a"), Path.Combine(_scene.Context, "other/c"));

        await CopyAsync(Request("/out/", "dir", "other"));
        Assert.Equal(["/out d 0755 0:0", "/out/a f 0644 0:0 same", "/out/b f 0644 0:0 same", "/out/c f 0644 0:0 same"], Listing);
        var inode = TreeListing.Status(Path.Combine(_scene.Root, "out/a")).Inode;
        Assert.Equal(inode, TreeListing.Status(Path.Combine(_scene.Root, "out/b")).Inode);
        Assert.NotEqual(inode, TreeListing.Status(Path.Combine(_scene.Root, "out/c")).Inode);
    }

    [Fact]
    public async Task Devices_and_fifos_are_recreated()
    {
        Directory.CreateDirectory(Path.Combine(_scene.Context, "dev"));
        TreeListing.Run("mknod", "-m", "620", Path.Combine(_scene.Context, "dev/null2"), "c", "1", "3");
        TreeListing.Run("mkfifo", "-m", "600", Path.Combine(_scene.Context, "dev/pipe"));

        await CopyAsync(Request("/dev/", "dev"));
        Assert.Equal(["/dev d 0755 0:0", "/dev/null2 c 0620 0:0", "/dev/pipe p 0600 0:0"], Listing);
        Assert.Equal("1,3", TreeListing.Run("stat", "-c", "%Hr,%Lr", Path.Combine(_scene.Root, "dev/null2")));
    }

    [Fact]
    public async Task Excludes_leave_out_matches_and_exceptions_bring_paths_back_with_their_directories()
    {
        TreeBuilder.Write(
            _scene.Context,
            ("app/main.c", "m"), ("app/README.md", "r"), ("app/docs/guide.md", "g"), ("app/docs/keep.md", "k"),
            ("app/build/out.o", "o"), ("app/build/keep/x.o", "x"), ("notes.md", "n"));
        TreeListing.Run("chmod", "700", Path.Combine(_scene.Context, "app/build/keep"));

        await CopyAsync(Request("/src/", "app", "notes.md") with { Excludes = ["*.md", "**/*.md", "!docs/keep.md", "build", "!build/keep"] });
        Assert.Equal(
            [
                "/src d 0755 0:0",
                "/src/build d 0755 0:0", "/src/build/keep d 0700 0:0", "/src/build/keep/x.o f 0644 0:0 x",
                "/src/docs d 0755 0:0", "/src/docs/keep.md f 0644 0:0 k",
                "/src/main.c f 0644 0:0 m",
            ],
            Listing);
    }

    [Fact]
    public async Task Dockerignore_hides_context_paths_from_the_copy()
    {
        TreeBuilder.Write(_scene.Context, ("app/main.c", "m"), ("app/debug.log", "l"), ("app/logs/keep.log", "k"));
        var ignore = DockerIgnore.Parse("**/*.log\n!app/logs/keep.log", ".dockerignore");
        await CopyAsync(Request("/src/", "app") with { Source = SourceTree.ForContext(_scene.Context, ignore, new FileDigestCache()) });
        Assert.Equal(["/src d 0755 0:0", "/src/logs d 0755 0:0", "/src/logs/keep.log f 0644 0:0 k", "/src/main.c f 0644 0:0 m"], Listing);
    }

    [Fact]
    public async Task Parents_keep_each_source_path_below_its_pivot_with_the_source_directories_metadata()
    {
        TreeBuilder.Write(_scene.Context, ("a/b/c.txt", "c"), ("a/b/d.txt", "d"), ("x/y/z.txt", "z"), ("x/y/w.md", "w"));
        TreeListing.Run("chmod", "750", Path.Combine(_scene.Context, "a"));
        TreeBuilder.Chown(Path.Combine(_scene.Context, "x/y"), 7, 7);

        await CopyAsync(Request("/p", "a/b/c.txt", "x/./y/*.txt") with { Parents = true });
        Assert.Equal(
            [
                "/p d 0755 0:0",
                "/p/a d 0750 0:0", "/p/a/b d 0755 0:0", "/p/a/b/c.txt f 0644 0:0 c",
                "/p/y d 0755 0:0", "/p/y/z.txt f 0644 0:0 z",
            ],
            Listing);
        var error = await Assert.ThrowsAsync<SourceNotFoundException>(() => CopyAsync(Request("/p/", "a/./missing.txt") with { Parents = true }));
        Assert.Equal("failed to compute cache key: \"a/./missing.txt\": not found", error.Message);
    }

    [Fact]
    public async Task Heredoc_files_are_0664_root_owned_and_take_the_chmod()
    {
        var request = new CopyRequest
        {
            Sources = [],
            InlineSources = [new InlineSource("script.sh", "echo hi\n", Expand: false), new InlineSource("conf", "k=v\n", Expand: true)],
            Destination = "/etc/app/",
        };
        await CopyAsync(request);
        await CopyAsync(request with { InlineSources = [request.InlineSources[0]], Destination = "/bin/run", Chmod = "755" });
        Assert.Equal(
            [
                "/bin d 0755 0:0", "/bin/run f 0755 0:0 echo hi",
                "/etc d 0755 0:0", "/etc/app d 0755 0:0", "/etc/app/conf f 0664 0:0 k=v", "/etc/app/script.sh f 0664 0:0 echo hi",
            ],
            Listing);
    }

    [Fact]
    public async Task Existing_entries_are_replaced_not_written_through_and_directories_merge_taking_the_source_metadata()
    {
        TreeBuilder.Write(_scene.Context, ("src/file", "new"), ("src/sub/inner", "i"), ("dir/", ""));
        TreeListing.Run("chmod", "700", Path.Combine(_scene.Context, "src/sub"));
        var victim = _scene.Temp.Combine("victim");
        File.WriteAllText(victim, "untouched");
        TreeBuilder.Write(_scene.Root, ("dst/sub/old", "o"));
        File.CreateSymbolicLink(Path.Combine(_scene.Root, "dst/file"), victim);
        TreeBuilder.Chown(Path.Combine(_scene.Root, "dst"), 5, 5);

        await CopyAsync(Request("/dst", "src"));
        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.Equal(
            ["/dst d 0755 5:5", "/dst/file f 0644 0:0 new", "/dst/sub d 0700 0:0", "/dst/sub/inner f 0644 0:0 i", "/dst/sub/old f 0644 0:0 o"],
            Listing);

        TreeBuilder.Write(_scene.Context, ("flat/sub", "a file now"));
        var onDirectory = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync(Request("/dst", "flat")));
        Assert.Equal("cannot replace to directory /dst/sub with file", onDirectory.Message);
        var onFile = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync(Request("/dst/file", "dir")));
        Assert.Equal("cannot copy to non-directory: /dst/file", onFile.Message);
    }
}
