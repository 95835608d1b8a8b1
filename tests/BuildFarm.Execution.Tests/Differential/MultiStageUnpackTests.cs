using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing.FileTrees;
using static BuildFarm.Testing.FileTrees.FileTreeEntry;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>
/// A multi-stage build through the engine, exported as an OCI layout and unpacked by umoci: the
/// whole tree of the scratch-based result is written out here, entry by entry.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class MultiStageUnpackTests(DifferentialFixture fixture)
{
    [Fact]
    public async Task A_multi_stage_build_unpacks_to_the_expected_tree()
    {
        var image = await fixture.BuildWithEngineAsync("multistage-scratch", ContextKind.Tree);

        var busybox = fixture.BaseTree["bin/busybox"]!;
        FileTree expected = new(
        [
            Directory("bin"),
            busybox,

            // COPY creates the missing parents of its destination for the --chown owner and with
            // an octal --chmod's bits (BuildKit since fsutil#228, moby/buildkit#4945).
            Directory("etc", 0b110_100_000, 1000, 1000),
            Directory("etc/app", 0b110_100_000, 1000, 1000),
            File("etc/app/config.ini", "[app]\nport = 8080\n", 0b110_100_000, 1000, 1000),

            // A directory copied to a new path is made as any directory COPY makes, root's, 0755
            // (fsutil prepareTargetDir), and what it holds keeps its owners; the link was made after the chown.
            Directory("srv"),
            Directory("srv/assets"),
            Directory("srv/assets/css", uid: 1000, gid: 1000),
            File("srv/assets/css/site.css", "body {}\n", uid: 1000, gid: 1000),
            Symlink("srv/assets/site.css", "css/site.css"),
            Directory("usr"),
            Directory("usr/local"),
            Directory("usr/local/bin"),
            File("usr/local/bin/app", "#!/bin/sh\necho \"hello from the app\"\n", 0b111_101_101),
        ]);
        var diff = FileTree.Diff(expected, image.Tree, "expected", "engine");
        Assert.True(diff.Length == 0, diff);

        var config = image.Config.Config!;
        Assert.Equal(["/usr/local/bin/app"], config.Entrypoint!);
        Assert.Null(config.Cmd);
        Assert.Equal("1000:1000", config.User);
        Assert.Equal("/srv", config.WorkingDir);
        Assert.Equal(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], config.Env!);
    }
}
