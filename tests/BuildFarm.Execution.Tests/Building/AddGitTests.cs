using BuildFarm.Execution.Building;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci.Tar;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Building;

/// <summary>
/// ADD from Git, fetched from git's own smart HTTP backend on 127.0.0.1 (plain http: TLS on
/// loopback would test nothing of ours), as BuildKit's dockerfile_addgit_test does with a file server.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class AddGitTests(EngineFixture fixture) : IAsyncLifetime
{
    private readonly GitHttpServer _server = new();
    private GitRepository _repository = null!;
    private string _v1 = string.Empty;
    private string _v2 = string.Empty;

    public async Task InitializeAsync()
    {
        _repository = await _server.CreateRepositoryAsync("app");
        var script = Path.Combine(_repository.Directory, "bin/run.sh");
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho run\n");
        await ProcessRunner.RunCheckedAsync("chmod", ["755", script]);
        _v1 = await _repository.CommitAsync("v1", ("foo", "foo of v1\n"), ("docs/guide.md", "# guide\n"));
        await _repository.GitAsync("tag", "v1");
        await _repository.GitAsync("tag", "-a", "-m", "annotated", "v1-annotated");
        _v2 = await _repository.CommitAsync("v2", ("foo", "foo of v2\n"));
    }

    public Task DisposeAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    private static readonly LayerItem[] V1Tree =
    [
        LayerItem.Directory("x/"),
        LayerItem.Directory("x/bin/"),
        LayerItem.File("x/bin/run.sh", "#!/bin/sh\necho run\n", mode: 0b111_101_101),
        LayerItem.Directory("x/docs/"),
        LayerItem.File("x/docs/guide.md", "# guide\n"),
        LayerItem.File("x/foo", "foo of v1\n"),
    ];

    [Fact]
    public async Task A_tag_is_checked_out_without_its_git_directory_as_root_owned_0644_and_0755_files()
    {
        using var build = new TestBuild(fixture);
        var outcome = await build.BuildAsync($"FROM busybox\nADD {_repository.Url}#v1 /x\n");

        Assert.Equal(V1Tree, await Layers.ReadAsync(fixture.Store, outcome.Result.Steps[0].Layer!));
    }

    [Fact]
    public async Task The_default_branch_a_subdir_and_a_commit_id_are_each_what_they_name()
    {
        using var build = new TestBuild(fixture);
        var outcome = await build.BuildAsync($"""
            FROM busybox
            ADD {_repository.Url} /head/
            WORKDIR /w
            ADD {_repository.Url}#v1:docs docs
            ADD {_repository.Url}?ref={_v1}&subdir=bin /bin2
            """);

        var layers = outcome.Result.Steps.Where(s => s.Layer is not null).Select(s => s.Layer!).ToList();
        Assert.Contains(LayerItem.File("head/foo", "foo of v2\n"), await Layers.ReadAsync(fixture.Store, layers[0]));
        Assert.Equal([LayerItem.Directory("w/"), LayerItem.Directory("w/docs/"), LayerItem.File("w/docs/guide.md", "# guide\n")], await Layers.ReadAsync(fixture.Store, layers[2]));
        Assert.Equal([LayerItem.Directory("bin2/"), LayerItem.File("bin2/run.sh", "#!/bin/sh\necho run\n", mode: 0b111_101_101)], await Layers.ReadAsync(fixture.Store, layers[3]));
    }

    [Fact]
    public async Task Keep_git_dir_keeps_a_repository_at_the_commit_whose_origin_is_the_remote()
    {
        using var build = new TestBuild(fixture);
        var outcome = await build.BuildAsync($"FROM busybox\nADD --keep-git-dir=true {_repository.Url}#v1 /x\n");

        var items = await Layers.ReadAsync(fixture.Store, outcome.Result.Steps[0].Layer!);
        Assert.Equal(V1Tree, items.Where(i => !i.Name.StartsWith("x/.git", StringComparison.Ordinal)));
        Assert.Equal(_v1 + "\n", items.Single(i => i.Name == "x/.git/HEAD").Content);
        Assert.Equal(_v1 + "\n", items.Single(i => i.Name == "x/.git/refs/tags/v1").Content);
        Assert.Contains($"\turl = {_repository.Url}\n", items.Single(i => i.Name == "x/.git/config").Content);
        Assert.DoesNotContain(items, i => i.Name == "x/.git/FETCH_HEAD");
    }

    [Fact]
    public async Task The_cache_key_is_the_commit_the_ref_resolves_to()
    {
        using var build = new TestBuild(fixture);
        var dockerfile = $"FROM busybox\nADD {_repository.Url}#main /x\n";
        var first = await build.BuildAsync(dockerfile);
        var again = await build.BuildAsync(dockerfile);
        var v3 = await _repository.CommitAsync("v3", ("foo", "foo of v3\n"));
        var moved = await build.BuildAsync(dockerfile);
        var byTag = await build.BuildAsync($"FROM busybox\nADD {_repository.Url}#v1-annotated /x\n");
        var byCommit = await build.BuildAsync($"FROM busybox\nADD {_repository.Url}#{_v1} /x\n");

        Assert.Equal([StepOutcome.Ran, StepOutcome.Cached, StepOutcome.Ran], new[] { first, again, moved }.Select(o => o.Outcomes[0]));
        Assert.Contains(LayerItem.File("x/foo", "foo of v3\n"), await Layers.ReadAsync(fixture.Store, moved.Result.Steps[0].Layer!));
        Assert.NotEqual(v3, _v2);
        Assert.Equal(V1Tree, await Layers.ReadAsync(fixture.Store, byTag.Result.Steps[0].Layer!));
        Assert.Equal(byTag.Result.Steps[0].Layer!.DiffId, byCommit.Result.Steps[0].Layer!.DiffId);
    }

    [Fact]
    public async Task The_git_protocol_is_fetched_from_git_daemon()
    {
        using var daemon = await GitDaemon.StartAsync(_server.Root);
        using var build = new TestBuild(fixture);

        var outcome = await build.BuildAsync($"FROM busybox\nADD {daemon.BaseUrl}/app.git#v1 /x\n");

        Assert.Equal(V1Tree, await Layers.ReadAsync(fixture.Store, outcome.Result.Steps[0].Layer!));
    }

    [Fact]
    public async Task A_checksum_is_the_commit_or_a_prefix_of_it()
    {
        using var build = new TestBuild(fixture);
        var good = await build.BuildAsync($"FROM busybox\nADD --checksum={_v1[..7]} {_repository.Url}#v1 /x\n");
        var wrong = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync($"FROM busybox\nADD --checksum={_v2} {_repository.Url}#v1 /x\n"));
        var garbage = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync($"FROM busybox\nADD --checksum=foobar {_repository.Url}#v1 /x\n"));
        var missing = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync($"FROM busybox\nADD {_repository.Url}#nope /x\n"));
        var inconsistent = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync($"FROM busybox\nADD --keep-git-dir=false {_repository.Url}?keep-git-dir=true /x\n"));
        var withPassword = _repository.Url.Replace("http://", "http://user:hunter2@", StringComparison.Ordinal).Replace("/app.git", "/absent.git", StringComparison.Ordinal);
        var unreachable = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync($"FROM busybox\nADD {withPassword}#main /x\n"));

        Assert.Equal(V1Tree, await Layers.ReadAsync(fixture.Store, good.Result.Steps[0].Layer!));
        Assert.EndsWith($"expected checksum to match {_v2}, got {_v1}", wrong.Message);
        Assert.EndsWith("invalid checksum foobar for Git URL, expected hex commit hash", garbage.Message);
        Assert.EndsWith("repository does not contain ref nope, output: \"\"", missing.Message);
        Assert.EndsWith("inconsistent keep-git-dir configuration", inconsistent.Message);
        Assert.Contains($": failed to fetch remote {withPassword.Replace("hunter2", "xxxxx", StringComparison.Ordinal)}: ", unreachable.Message, StringComparison.Ordinal);
        // The instruction is quoted as written; what the farm and git say after it never shows the password.
        Assert.DoesNotContain("hunter2", unreachable.Message[unreachable.Message.IndexOf(": failed to fetch remote", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }
}
