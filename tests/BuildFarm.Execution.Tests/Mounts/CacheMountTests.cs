using BuildFarm.Execution.Mounts.Internal;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Mounts;

[Collection(EngineCollection.Name)]
public sealed class CacheMountTests(EngineFixture fixture)
{
    [Fact]
    public async Task A_cache_persists_across_steps_and_never_enters_the_layer()
    {
        var first = await fixture.RunMountedAsync("RUN --mount=type=cache,target=/root/.cache echo one > /root/.cache/f && echo kept > /kept", sources: null);
        var second = await fixture.RunMountedAsync("RUN --mount=type=cache,target=/root/.cache cat /root/.cache/f", sources: null);

        Assert.Equal([LayerItem.File("kept", "kept\n")], await Layers.ReadAsync(fixture.Store, first.Layer));
        Assert.Equal(["one"], second.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, second.Layer));
        Assert.Equal("one\n", await File.ReadAllTextAsync(Path.Combine(fixture.DataDirectory, "cache-mounts", "_root_.cache-ebc372a1c9f0ee32", "0", "f")));
    }

    [Fact]
    public async Task A_cache_outlives_the_engine()
    {
        using var data = new TempDirectory("buildfarm-cache-restart");
        using (var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = data.Path }))
        {
            var busybox = await EngineFixture.ImportBusyboxAsync(store);
            var engine = await ExecutionEngine.OpenAsync(store);
            await fixture.RunMountedAsync("RUN --mount=type=cache,id=restart,target=/c echo before > /c/f", sources: null, engine: engine, parents: [busybox]);

            var key = Path.Combine(data.Path, "cache-mounts", CacheMountKey.DirectoryName("restart", null));
            Directory.CreateDirectory(Path.Combine(key, ".new-interrupted", "half"));

            var reopened = await ExecutionEngine.OpenAsync(store);
            var after = await fixture.RunMountedAsync("RUN --mount=type=cache,id=restart,target=/c cat /c/f", sources: null, engine: reopened, parents: [busybox]);

            Assert.Equal(["before"], after.Stdout);
            Assert.Equal(["0"], Directory.EnumerateDirectories(key).Select(Path.GetFileName)); // a seed a crash interrupted is gone
        }
    }

    [Theory]
    [InlineData("", "0:0 755")]
    [InlineData(",uid=1000,gid=1001,mode=0700", "1000:1001 700")]
    [InlineData(",uid=1000", "1000:0 755")]
    public async Task A_new_cache_gets_the_owner_and_mode_asked_for(string options, string expected)
    {
        var outcome = await fixture.RunMountedAsync($"RUN --mount=type=cache,id=owner{options},target=/c stat -c '%u:%g %a' /c", sources: null);

        Assert.Equal([expected], outcome.Stdout);
    }

    [Fact]
    public async Task A_non_root_user_can_write_to_a_cache_made_for_it()
    {
        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=type=cache,id=for-user,target=/home/user/.cache,uid=1000,gid=1000 touch /home/user/.cache/mine && stat -c '%U' /home/user/.cache/mine",
            sources: null,
            configure: process => process with { User = "user" });

        Assert.Equal(["user"], outcome.Stdout);
    }

    [Fact]
    public async Task A_cache_seeded_from_a_stage_starts_with_its_files_and_keeps_its_own()
    {
        using var context = new TempDirectory("buildfarm-context");
        var sources = new TestMountSources(context.Path);
        var seed = await Layers.WriteAsync(fixture.Store, root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "seed", "sub"));
            File.WriteAllText(Path.Combine(root, "seed", "sub", "a"), "from the stage\n");
        });
        sources.Stages["stage"] = [seed];

        var first = await fixture.RunMountedAsync("RUN --mount=type=cache,id=seeded,target=/c,from=stage,source=/seed cat /c/sub/a && echo b > /c/b", sources);
        var second = await fixture.RunMountedAsync("RUN --mount=type=cache,id=seeded,target=/c,from=stage,source=/seed ls /c", sources);
        var unseeded = await fixture.RunMountedAsync("RUN --mount=type=cache,id=seeded,target=/c ls /c", sources);

        Assert.Equal(["from the stage"], first.Stdout);
        Assert.Equal(["b", "sub"], second.Stdout);
        Assert.Empty(unseeded.Stdout); // another seed is another cache, as in BuildKit
        Assert.False(File.Exists(Path.Combine(fixture.Engine.Snapshots.PathOf(seed.DiffId), "seed", "b")));
    }

    [Fact]
    public async Task A_source_that_is_no_directory_cannot_seed_a_cache()
    {
        using var context = new TempDirectory("buildfarm-context");
        var sources = new TestMountSources(context.Path);
        sources.Stages["stage"] = [await Layers.WriteAsync(fixture.Store, root => File.WriteAllText(Path.Combine(root, "file"), "x"))];

        var error = await Assert.ThrowsAsync<Execution.Mounts.RunMountException>(() =>
            fixture.RunMountedAsync("RUN --mount=type=cache,id=bad-seed,target=/c,from=stage,source=file true", sources));

        Assert.Equal("RUN --mount=type=cache: \"/file\" is not a directory in the from= source, so it cannot start a cache", error.Message);
        Assert.Empty(MountedSteps.MountsUnder(fixture.DataDirectory));
    }

    [Fact]
    public async Task Shared_steps_use_one_cache_at_the_same_time()
    {
        using var gate = await Gate.CreateAsync();
        var first = await StartHeldAsync(gate, "--mount=type=cache,id=shared,target=/c", "echo a > /c/a", "cat /c/b");

        var second = await fixture.RunMountedAsync("RUN --mount=type=cache,id=shared,target=/c cat /c/a; echo b > /c/b", sources: null);
        await gate.OpenAsync();

        Assert.Equal(["a"], second.Stdout);
        Assert.Equal(["started", "b"], (await first).Stdout);
    }

    [Fact]
    public async Task A_private_step_gets_a_fresh_cache_while_the_first_is_in_use()
    {
        using var gate = await Gate.CreateAsync();
        var first = await StartHeldAsync(gate, "--mount=type=cache,id=private,target=/c,sharing=private", "echo a > /c/a", "ls /c");

        var second = await fixture.RunMountedAsync("RUN --mount=type=cache,id=private,target=/c,sharing=private ls /c; echo b > /c/b", sources: null);
        await gate.OpenAsync();
        var firstOutcome = await first;
        var later = await fixture.RunMountedAsync("RUN --mount=type=cache,id=private,target=/c,sharing=private ls /c", sources: null);

        Assert.Empty(second.Stdout);
        Assert.Equal(["started", "a"], firstOutcome.Stdout);
        Assert.Equal(["a"], later.Stdout); // both instances are kept; the first free one is reused
        Assert.Equal(["0", "1"], InstancesOf(CacheMountKey.DirectoryName("private", null)));
    }

    [Fact]
    public async Task A_locked_step_waits_until_the_cache_is_released()
    {
        using var gate = await Gate.CreateAsync();
        var key = CacheMountKey.DirectoryName("locked", null);
        using var waiting = new WaitingSignal(fixture.Engine.CacheMounts, key);
        var first = await StartHeldAsync(gate, "--mount=type=cache,id=locked,target=/c,sharing=locked", "echo a-start >> /c/log", "echo a-end >> /c/log");

        var second = fixture.RunMountedAsync("RUN --mount=type=cache,id=locked,target=/c,sharing=locked echo b >> /c/log; cat /c/log", sources: null);
        await waiting.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.False(second.IsCompleted);
        await gate.OpenAsync();

        await first;
        Assert.Equal(["a-start", "a-end", "b"], (await second).Stdout);
        Assert.Equal(["0"], InstancesOf(key));
    }

    [Fact]
    public async Task Cancelling_a_step_waiting_for_a_locked_cache_leaves_the_cache_usable()
    {
        using var gate = await Gate.CreateAsync();
        using var waiting = new WaitingSignal(fixture.Engine.CacheMounts, CacheMountKey.DirectoryName("locked-cancel", null));
        var first = await StartHeldAsync(gate, "--mount=type=cache,id=locked-cancel,target=/c,sharing=locked", "true", "true");

        using var cancellation = new CancellationTokenSource();
        var second = fixture.RunMountedAsync("RUN --mount=type=cache,id=locked-cancel,target=/c,sharing=locked true", sources: null, cancellationToken: cancellation.Token);
        await waiting.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        await gate.OpenAsync();
        await first;
        var third = await fixture.RunMountedAsync("RUN --mount=type=cache,id=locked-cancel,target=/c,sharing=locked echo ok", sources: null);
        Assert.Equal(["ok"], third.Stdout);
    }

    [Fact]
    public async Task A_read_only_cache_can_be_read_but_not_written()
    {
        await fixture.RunMountedAsync("RUN --mount=type=cache,id=read-only,target=/c echo x > /c/f", sources: null);

        var outcome = await fixture.RunMountedAsync("RUN --mount=type=cache,id=read-only,target=/c,ro cat /c/f; touch /c/g 2>&1; true", sources: null);

        Assert.Equal(["x", "touch: /c/g: Read-only file system"], outcome.Stdout);
    }

    [Fact]
    public async Task One_step_mounting_a_locked_cache_twice_uses_one_instance()
    {
        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=type=cache,id=twice,target=/one,sharing=locked --mount=type=cache,id=twice,target=/two,sharing=locked echo x > /one/f && cat /two/f",
            sources: null);

        Assert.Equal(["x"], outcome.Stdout);
    }

    /// <summary>
    /// Starts a step that runs <paramref name="before"/>, prints <c>started</c>, waits at the gate
    /// and runs <paramref name="after"/>; returns (the step still running) once it printed.
    /// </summary>
    private async Task<Task<RunOutcome>> StartHeldAsync(Gate gate, string mounts, string before, string after)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var step = fixture.RunMountedAsync(
            $"RUN {mounts} {before}; echo started; {Gate.ReadCommand}; {after}",
            sources: null,
            onStdout: line =>
            {
                if (line == "started")
                {
                    started.TrySetResult();
                }
            },
            configure: gate.MountInto);
        if (await Task.WhenAny(started.Task, step).WaitAsync(TimeSpan.FromMinutes(1)) == step)
        {
            await step; // failed before it started: its error is the test's
        }

        return step;
    }

    private List<string> InstancesOf(string key) =>
        [.. Directory.EnumerateDirectories(Path.Combine(fixture.DataDirectory, "cache-mounts", key)).Select(static d => Path.GetFileName(d)).Order(StringComparer.Ordinal)];

    /// <summary>Completes when a <c>locked</c> acquire of the key starts waiting.</summary>
    private sealed class WaitingSignal : IDisposable
    {
        private readonly CacheMountStore _store;
        private readonly string _key;
        private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public WaitingSignal(CacheMountStore store, string key)
        {
            _store = store;
            _key = key;
            store.Waiting += OnWaiting;
        }

        public Task Task => _waiting.Task;

        public void Dispose() => _store.Waiting -= OnWaiting;

        private void OnWaiting(string key)
        {
            if (key == _key)
            {
                _waiting.TrySetResult();
            }
        }
    }
}
