using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing.FileTrees;
using static BuildFarm.Testing.FileTrees.FileTreeEntry;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>
/// Corpus cases buildah 1.28 cannot build (heredocs, <c>COPY --exclude</c>, <c>--parents</c>,
/// symbolic <c>--chmod</c> are all rejected by its parser): the tree BuildKit makes is written out
/// here, as the busybox tree plus what each Dockerfile adds, and the engine's must equal it.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class BeyondBuildahTests(DifferentialFixture fixture)
{
    private const int Executable = 0b111_101_101;

    /// <summary>
    /// BuildKit writes a COPY heredoc as a file of mode 0664 before copying it (dispatchCopy's
    /// llb.Mkfile(f, 0664, ...)), in buildkitd, whose umask is 0.
    /// </summary>
    private const int HeredocFile = 0b110_110_100;

    [Fact]
    public Task Run_heredocs() => AssertTreeAsync(
        "heredoc-run",
        Directory("h"),
        File("h/one", "first\n"),
        File("h/two", "hello from /bin/sh\n"),
        File("h/shebang", "from a script with an interpreter line\n"),
        File("h/fed", "line 1\nline 2\n"),
        File("h/tabbed", "tabs stripped\n"));

    [Fact]
    public Task Copy_heredocs() => AssertTreeAsync(
        "heredoc-copy",
        Directory("c"),
        File("c/expanded.txt", "hello world\n", HeredocFile),
        File("c/literal.txt", "hello $NAME\n", HeredocFile),
        File("c/script.sh", "#!/bin/sh\necho hi\n", Executable),

        // Directories the copy creates for its destination belong to the --chown owner.
        Directory("c/multi", uid: 1000, gid: 1000),
        File("c/multi/one.txt", "first\n", HeredocFile, 1000, 1000),
        File("c/multi/two.txt", "second\n", HeredocFile, 1000, 1000));

    [Fact]
    public Task Copy_exclude() => AssertTreeAsync(
        "copy-exclude",

        // Patterns match paths below each source: *.log only at its top, **/*.tmp at any depth.
        Directory("excluded"),
        File("excluded/main.c", "code\n"),
        Directory("excluded/sub"),
        File("excluded/sub/nested.c", "nested\n"),
        File("excluded/sub/sub.log", "log\n"),

        // A file source is never excluded by a pattern for what is below a directory source.
        Directory("multi"),
        File("multi/keep.txt", "keep\n"),
        File("multi/main.c", "code\n"),
        File("multi/debug.log", "log\n"));

    [Fact]
    public Task Copy_parents() => AssertTreeAsync(
        "copy-parents",
        Directory("kept"),
        Directory("kept/a"),
        Directory("kept/a/b"),
        File("kept/a/b/file.txt", "ab\n"),
        Directory("kept/c"),
        File("kept/c/other.txt", "c\n"),

        // "/./" marks where the kept part of the path starts.
        Directory("pivot"),
        Directory("pivot/b"),
        File("pivot/b/file.txt", "ab\n"),
        Directory("glob"),
        Directory("glob/a"),
        File("glob/a/top.txt", "a\n"),
        Directory("glob/c"),
        File("glob/c/other.txt", "c\n"));

    [Fact]
    public Task Chmod_symbolic() => AssertTreeAsync(
        "chmod-symbolic",

        // A destination written with a trailing slash is made first, 0755, and keeps that mode
        // (fsutil's Copy makes it with MkdirAll); what is copied into it takes the --chmod.
        Directory("u-plus-x"),
        File("u-plus-x/file.txt", "f\n", 0b111_100_100),
        Directory("go-minus-r"),
        File("go-minus-r/file.txt", "f\n", 0b110_000_000),

        // BuildKit's mode package (a port of BSD setmode) honours X only after "+": with "=" it
        // is dropped, so a=rX gives r--r--r-- to directories too.
        Directory("a-eq-rX"),
        File("a-eq-rX/d.txt", "d\n", 0b100_100_100),
        Directory("a-eq-rX/sub", 0b100_100_100),
        File("a-eq-rX/sub/s.txt", "s\n", 0b100_100_100),
        Directory("combined"),
        File("combined/exec.sh", "#!/bin/sh\n", 0b111_101_000));

    // From the context directory and from the tree a client sends: the same tree either way.
    private async Task AssertTreeAsync(string name, params FileTreeEntry[] added)
    {
        foreach (var context in new[] { ContextKind.Directory, ContextKind.Tree })
        {
            var ours = await fixture.BuildWithEngineAsync(name, context);
            var diff = FileTree.Diff(fixture.BaseTree.Overlay(added), ours.Tree, "expected", $"engine ({context})");
            Assert.True(diff.Length == 0, $"{name}, context as a {context}:\n{diff}");
        }
    }
}
