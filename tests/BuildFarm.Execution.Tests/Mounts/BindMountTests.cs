using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Mounts;

[Collection(EngineCollection.Name)]
public sealed class BindMountTests(EngineFixture fixture) : IDisposable
{
    private readonly TempDirectory _context = new("buildfarm-context");

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task The_context_is_mounted_read_only_by_default()
    {
        Write("app/main.c", "int main;\n");
        var sources = new TestMountSources(_context.Path);

        var outcome = await fixture.RunMountedAsync("RUN --mount=target=/src cat /src/app/main.c; touch /src/new 2>&1; echo status $?", sources);

        Assert.Equal(["int main;", "touch: /src/new: Read-only file system", "status 1"], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task The_context_mount_hides_what_dockerignore_excludes()
    {
        Write(".dockerignore", "*.secret\nlogs\n!logs/keep.log\nbuild\n");
        Write("a.txt", "a");
        Write("key.secret", "hidden");
        Write("src/b.secret", "hidden");
        Write("src/b.txt", "b");
        Write("logs/keep.log", "kept");
        Write("logs/drop.log", "dropped");
        Write("build/out/x", "x");
        var sources = new TestMountSources(_context.Path, File.ReadAllText(_context.Combine(".dockerignore")));

        var outcome = await fixture.RunMountedAsync("RUN --mount=target=/ctx cd /ctx && find . | sort", sources);

        // As in Docker, "*.secret" matches at the root only.
        Assert.Equal([".", "./.dockerignore", "./a.txt", "./logs", "./logs/keep.log", "./src", "./src/b.secret", "./src/b.txt"], outcome.Stdout);
        Assert.True(File.Exists(_context.Combine("key.secret")));
    }

    [Fact]
    public async Task A_masked_context_keeps_its_directories_owners_and_modes()
    {
        Write("src/b.secret", "hidden");
        Write("src/b.txt", "b");
        await ProcessRunner.RunCheckedAsync("chmod", ["700", _context.Combine("src")]);
        await ProcessRunner.RunCheckedAsync("chown", ["1234:4321", _context.Combine("src")]);
        var sources = new TestMountSources(_context.Path, "*/*.secret\n");

        var outcome = await fixture.RunMountedAsync("RUN --mount=target=/ctx stat -c '%n %u:%g %a' /ctx/src; ls /ctx/src", sources);

        Assert.Equal(["/ctx/src 1234:4321 700", "b.txt"], outcome.Stdout);
    }

    [Fact]
    public async Task A_source_path_is_resolved_inside_the_context()
    {
        Write("conf/app.conf", "setting=1\n");
        Write("src/lib/util.c", "util\n");
        File.CreateSymbolicLink(_context.Combine("current"), "/src/lib"); // absolute: the context's /src, not the host's
        var sources = new TestMountSources(_context.Path);

        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=source=current,target=/lib --mount=source=conf/app.conf,target=/etc/app.conf cat /lib/util.c /etc/app.conf",
            sources);

        Assert.Equal(["util", "setting=1"], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("ignored.txt")]
    public async Task A_missing_or_ignored_source_is_an_error_naming_it(string source)
    {
        Write("ignored.txt", "x");
        var sources = new TestMountSources(_context.Path, "ignored.txt\n");

        var error = await Assert.ThrowsAsync<RunMountException>(() => fixture.RunMountedAsync($"RUN --mount=source={source},target=/m true", sources));

        Assert.Equal($"RUN --mount=type=bind: \"{source}\" not found in the build context (to mount on \"/m\")", error.Message);
    }

    [Fact]
    public async Task A_read_write_mount_takes_writes_that_are_thrown_away()
    {
        Write("a.txt", "original\n");
        var sources = new TestMountSources(_context.Path, "nothing-ignored\n");

        var outcome = await fixture.RunMountedAsync("RUN --mount=target=/ctx,rw echo changed > /ctx/a.txt && rm -f /ctx/nothing && echo new > /ctx/b.txt && cat /ctx/a.txt /ctx/b.txt", sources);

        Assert.Equal(["changed", "new"], outcome.Stdout);
        Assert.Equal("original\n", File.ReadAllText(_context.Combine("a.txt")));
        Assert.Equal(["a.txt"], Directory.EnumerateFileSystemEntries(_context.Path).Select(Path.GetFileName));
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_stage_is_mounted_from_its_layers()
    {
        var layer = await Layers.WriteAsync(fixture.Store, root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "out"));
            File.WriteAllText(Path.Combine(root, "out", "artifact"), "built\n");
        });
        var sources = new TestMountSources(_context.Path);
        sources.Stages["stage"] = [fixture.Busybox, layer];

        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=from=stage,source=/out,target=/in cat /in/artifact; touch /in/x 2>&1; ls /in",
            sources);

        Assert.Equal(["built", "touch: /in/x: Read-only file system", "artifact"], outcome.Stdout);
    }

    [Fact]
    public async Task A_read_write_stage_mount_never_changes_the_stage()
    {
        var layer = await Layers.WriteAsync(fixture.Store, root => File.WriteAllText(Path.Combine(root, "file"), "stage\n"));
        var sources = new TestMountSources(_context.Path);
        sources.Stages["other"] = [layer];

        var outcome = await fixture.RunMountedAsync("RUN --mount=from=other,target=/o,rw echo written > /o/file && cat /o/file", sources);
        var again = await fixture.RunMountedAsync("RUN --mount=from=other,target=/o cat /o/file", sources);

        Assert.Equal(["written"], outcome.Stdout);
        Assert.Equal(["stage"], again.Stdout);
        Assert.Equal("stage\n", File.ReadAllText(Path.Combine(fixture.Engine.Snapshots.PathOf(layer.DiffId), "file")));
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_missing_stage_path_is_an_error_naming_the_stage()
    {
        var sources = new TestMountSources(_context.Path);
        sources.Stages["stage"] = [fixture.Busybox];

        var error = await Assert.ThrowsAsync<RunMountException>(() => fixture.RunMountedAsync("RUN --mount=from=stage,source=/nope,target=/n true", sources));

        Assert.Equal("RUN --mount=type=bind,from=stage: \"/nope\" not found in \"stage\" (to mount on \"/n\")", error.Message);
        Assert.Empty(MountedSteps.MountsUnder(fixture.DataDirectory));
    }

    [Fact]
    public async Task Without_mount_sources_a_context_mount_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<RunMountException>(() => fixture.RunMountedAsync("RUN --mount=target=/ctx true", sources: null));

        Assert.Equal("RUN --mount=type=bind needs the build context, but the step was given no mount sources", error.Message);
    }

    [Fact]
    public async Task Nested_mounts_are_mounted_outer_first_whatever_the_order_written()
    {
        Write("inner/file", "inner\n");
        var sources = new TestMountSources(_context.Path);

        var outcome = await fixture.RunMountedAsync("RUN --mount=source=inner,target=/outer/inner --mount=type=tmpfs,target=/outer cat /outer/inner/file", sources);

        Assert.Equal(["inner"], outcome.Stdout);
    }

    private void Write(string relative, string content)
    {
        var path = _context.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
