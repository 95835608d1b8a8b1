using BuildFarm.Api.V1;
using BuildFarm.Server.Tests.TestSupport;
using Grpc.Core;

namespace BuildFarm.Server.Tests.Builds;

public sealed class BuildsServiceTests
{
    [Fact]
    public async Task A_build_streams_its_steps_and_a_rebuild_is_all_hits()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt && echo done > /done\n").Write("hello.txt", "hello\n");

        var first = await farm.BuildAsync(r => r.Tags.Add("app:1"));
        var second = await farm.BuildAsync();

        var started = first.Where(e => e.KindCase == BuildEvent.KindOneofCase.StepStarted).Select(e => e.StepStarted).ToList();
        Assert.Equal(["[2/3] COPY hello.txt /hello.txt", "[3/3] RUN cat /hello.txt && echo done > /done"], started.Select(s => s.Step.Name));
        Assert.All(started, s => Assert.StartsWith("sha256:", s.CacheKey, StringComparison.Ordinal));
        Assert.Equal(["hello"], first.Where(e => e.KindCase == BuildEvent.KindOneofCase.LogLine).Select(e => e.LogLine.Text));
        var result = first[^1].BuildFinished.Result;
        Assert.Equal(["docker.io/library/app:1"], result.ImageNames);
        Assert.Equal([false, false], result.Steps.Select(s => s.Cached));
        Assert.Equal(Enumerable.Range(1, first.Count).Select(i => (ulong)i), first.Select(e => e.Sequence));

        Assert.Equal(2, second.Count(e => e.KindCase == BuildEvent.KindOneofCase.StepCached));
        Assert.DoesNotContain(second, e => e.KindCase == BuildEvent.KindOneofCase.StepStarted);
        Assert.Equal(result.ManifestDigest, second[^1].BuildFinished.Result.ManifestDigest);
        Assert.Equal(result.Steps.Select(s => s.Key), second[^1].BuildFinished.Result.Steps.Select(s => s.Key));
    }

    [Fact]
    public async Task After_a_restart_the_same_build_is_all_hits_and_old_builds_are_still_known()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN echo one > /one\n");
        var first = await farm.BuildAsync();

        await farm.RestartAsync();
        var second = await farm.BuildAsync();
        var replayed = await farm.Client.WatchAsync(first[0].BuildId).ToListAsync();

        Assert.Equal(["cached"], second[^1].BuildFinished.Result.Steps.Select(s => s.Cached ? "cached" : "ran"));
        Assert.Equal(first.Select(e => e.ToString()), replayed.Select(e => e.ToString()));
    }

    [Fact]
    public async Task Ten_identical_builds_at_once_run_each_step_once_and_get_one_digest()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN echo a > /a\nRUN echo b > /b\n");
        var request = await farm.RequestAsync();

        var builds = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => farm.Client.SubmitAsync(request).ToListAsync().AsTask()));

        Assert.Single(builds.Select(b => b[^1].BuildFinished.Result.ManifestDigest).Distinct());
        Assert.Equal(2, builds.Sum(b => b.Count(e => e.KindCase == BuildEvent.KindOneofCase.StepStarted)));
    }

    [Fact]
    public async Task A_failing_step_fails_the_build_with_its_output()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN echo oops >&2 && exit 4\n");

        var events = await farm.BuildAsync();

        Assert.Equal(BuildEvent.KindOneofCase.BuildFailed, events[^1].KindCase);
        Assert.Equal(
            "Dockerfile:2: RUN echo oops >&2 && exit 4: process \"/bin/sh -c echo oops >&2 && exit 4\" did not complete successfully: exit code: 4\nlast 1 lines of output:\noops",
            events[^1].BuildFailed.Error);
        Assert.Contains(events, e => e.KindCase == BuildEvent.KindOneofCase.LogLine && e.LogLine is { Text: "oops", Stream: LogStream.Stderr });
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(farm.DataDirectory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_kills_a_running_step_and_the_build_ends_cancelled()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN echo started && sleep 600\n");
        var request = await farm.RequestAsync();

        var events = new List<BuildEvent>();
        await foreach (var buildEvent in farm.Client.SubmitAsync(request))
        {
            events.Add(buildEvent);
            if (buildEvent.LogLine?.Text == "started")
            {
                Assert.Equal(BuildState.Cancelled, await farm.Client.CancelAsync(buildEvent.BuildId));
            }
        }

        Assert.Equal(BuildEvent.KindOneofCase.BuildCancelled, events[^1].KindCase);
        var build = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = events[0].BuildId });
        Assert.Equal(BuildState.Cancelled, build.State);
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(farm.DataDirectory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_builds_and_missing_contexts_are_clear_errors()
    {
        await using var farm = await RunningFarm.StartAsync();

        var unknown = await Assert.ThrowsAsync<RpcException>(() => farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = "20260101-000000-aaaaaaaa" }).ResponseAsync);
        var missing = await Assert.ThrowsAsync<RpcException>(() => farm.Client.SubmitAsync(new SubmitRequest { ContextRoot = "sha256:" + new string('0', 64) }).ToListAsync().AsTask());

        Assert.Equal((StatusCode.NotFound, "There is no build 20260101-000000-aaaaaaaa."), (unknown.StatusCode, unknown.Status.Detail));
        Assert.Equal(StatusCode.FailedPrecondition, missing.StatusCode);
        Assert.Equal("The context tree sha256:0000000000000000000000000000000000000000000000000000000000000000 is not in the farm's store: upload it (Content.Upload) and submit again.", missing.Status.Detail);
    }
}
