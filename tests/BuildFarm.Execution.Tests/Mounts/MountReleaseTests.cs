using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Mounts;

/// <summary>Whatever way a step ends, its mounts leave nothing behind: no mount, no exec dir, no held cache.</summary>
[Collection(EngineCollection.Name)]
public sealed class MountReleaseTests(EngineFixture fixture) : IDisposable
{
    // One of each kind that holds something: a masked context overlay, a stage overlay, a locked
    // cache, a tmpfs, a secret file and variable.
    private const string EveryKind =
        "RUN --mount=target=/ctx,rw --mount=from=stage,target=/stage --mount=type=cache,id=release,target=/cache,sharing=locked "
        + "--mount=type=tmpfs,target=/tmp --mount=type=secret,id=token --mount=type=secret,id=token,env=TOKEN ";

    private readonly TempDirectory _context = new("buildfarm-context");

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task A_failing_step_releases_every_mount()
    {
        var sources = await SourcesAsync();

        var error = await Assert.ThrowsAsync<ProcessFailedException>(() =>
            fixture.RunMountedAsync(EveryKind + "ls /ctx /stage/data; cat /run/secrets/token; echo; echo $TOKEN; exit 3", sources));

        Assert.Equal(["/ctx:", "kept.txt", "", "/stage/data:", "file", "t0k3n", "t0k3n"], error.LastLines.Select(static l => l.Text));
        await AssertAllReleasedAsync(sources);
    }

    [Fact]
    public async Task A_cancelled_step_releases_every_mount()
    {
        var sources = await SourcesAsync();
        using var gate = await Gate.CreateAsync();
        using var cancellation = new CancellationTokenSource();

        var step = fixture.RunMountedAsync(
            EveryKind + $"echo started; {Gate.ReadCommand}",
            sources,
            onStdout: line =>
            {
                if (line == "started")
                {
                    cancellation.Cancel();
                }
            },
            configure: gate.MountInto,
            cancellationToken: cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => step);
        await AssertAllReleasedAsync(sources);
    }

    [Fact]
    public async Task A_mount_that_cannot_be_prepared_releases_those_before_it()
    {
        var sources = await SourcesAsync();

        await Assert.ThrowsAsync<Execution.Mounts.RunMountException>(() =>
            fixture.RunMountedAsync(EveryKind + "--mount=type=secret,id=absent,required true", sources));

        await AssertAllReleasedAsync(sources);
    }

    private async Task AssertAllReleasedAsync(TestMountSources sources)
    {
        Assert.Empty(MountedSteps.MountsUnder(fixture.DataDirectory));
        Assert.Empty(fixture.ExecLeftovers());

        // The locked cache is free again: a step that needs it runs at once.
        var next = await fixture.RunMountedAsync("RUN --mount=type=cache,id=release,target=/cache,sharing=locked echo free", sources);
        Assert.Equal(["free"], next.Stdout);
        Assert.Equal("kept\n", File.ReadAllText(_context.Combine("kept.txt")));
    }

    private async Task<TestMountSources> SourcesAsync()
    {
        File.WriteAllText(_context.Combine("kept.txt"), "kept\n");
        File.WriteAllText(_context.Combine("ignored.txt"), "ignored\n");
        var sources = new TestMountSources(_context.Path, "ignored.txt\n");
        sources.Stages["stage"] = [await Layers.WriteAsync(fixture.Store, root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "data"));
            File.WriteAllText(Path.Combine(root, "data", "file"), "x");
        })];
        sources.SecretValues["token"] = "t0k3n";
        return sources;
    }
}
