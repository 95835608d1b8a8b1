using BuildFarm.Api.V1;
using BuildFarm.Server.Tests.TestSupport;
using BuildFarm.Testing;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Server.Tests.Builds;

/// <summary>What builds.proto and events.proto promise, checked through the .NET client (tests/conformance checks it from Node.js).</summary>
public sealed class BuildsContractTests
{
    [Fact]
    public async Task Get_and_List_report_the_request_as_submitted_with_its_progress()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox AS base\nARG WHO\nRUN echo $WHO > /who\nFROM busybox\nCOPY --from=base /who /who\nLABEL x=y\n");
        var request = await farm.RequestAsync();
        request.Tags.Add("app:contract");
        request.BuildArgs["WHO"] = "me";
        request.Labels["team"] = "api";
        request.Target = "";
        request.Platform = "linux/amd64";
        request.NoCacheFilter.Add("base");
        request.Outputs.Add(new Output { Type = OutputType.Oci, Attrs = { ["dest"] = "out.tar" } });

        var events = await farm.Client.SubmitAsync(request).ToListAsync();
        var id = events[0].BuildId;
        var got = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = id });
        var listed = await farm.Client.Builds.ListAsync(new ListBuildsRequest { States = { BuildState.Succeeded } });
        var queued = await farm.Client.Builds.ListAsync(new ListBuildsRequest { States = { BuildState.Queued, BuildState.Running } });

        Assert.Equal(BuildEvent.KindOneofCase.BuildFinished, events[^1].KindCase);
        Assert.Equal(request, got.Request);
        Assert.Equal(BuildState.Succeeded, got.State);
        Assert.Equal((4, 4), (got.StepsTotal, got.StepsCompleted));
        var firstStep = events.First(e => e.KindCase is BuildEvent.KindOneofCase.StepStarted or BuildEvent.KindOneofCase.StepFinished or BuildEvent.KindOneofCase.StepCached);
        Assert.Equal(firstStep.Time, got.Started);
        Assert.InRange(got.Started.ToDateTimeOffset(), got.Submitted.ToDateTimeOffset(), got.Completed.ToDateTimeOffset());
        Assert.Equal([id], listed.Builds.Select(b => b.BuildId));
        Assert.Equal(request, listed.Builds[0].Request);
        Assert.Empty(queued.Builds);
    }

    [Fact]
    public async Task A_queued_step_names_the_steps_it_reads_and_its_silo_and_a_started_step_and_its_lines_the_silo_running_it()
    {
        await using var farm = await RunningFarm.StartAsync();
        // Stage "b" has no step of its own: copying from it reads the last step of "a", its base.
        farm.Write("Dockerfile", "FROM busybox AS a\nRUN echo a > /a\nFROM a AS b\nFROM busybox\nRUN echo c > /c\nCOPY --from=b /a /a\nRUN --mount=from=a,target=/m cat /m/a\n");

        var events = await farm.BuildAsync();

        Assert.Equal(
            ["0.1:", "2.1:", "2.2:2.1,0.1", "2.3:2.2,0.1"],
            events.Where(e => e.KindCase == BuildEvent.KindOneofCase.StepQueued).Select(e => $"{e.StepQueued.Step.Id}:{string.Join(',', e.StepQueued.Inputs)}"));
        // Stages run in parallel: their events interleave in any order.
        var started = events.Where(e => e.KindCase == BuildEvent.KindOneofCase.StepStarted).Select(e => (e.StepStarted.Step.Id, e.StepStarted.Silo)).Order().ToList();
        var finished = events.Where(e => e.KindCase == BuildEvent.KindOneofCase.StepFinished).Select(e => (e.StepFinished.Step.Id, e.StepFinished.Silo)).Order().ToList();
        Assert.Equal(4, started.Count);
        Assert.Equal(finished, started);
        Assert.All(started, s => Assert.NotEmpty(s.Silo));

        // One silo: it coordinates (queues) every step and runs them, so its lines name it too.
        var silo = started[0].Silo;
        Assert.Equal(
            [silo, silo, silo, silo],
            events.Where(e => e.KindCase == BuildEvent.KindOneofCase.StepQueued).Select(e => e.StepQueued.Silo));
        Assert.Equal(
            [("2.3", "a", silo)],
            events.Where(e => e.KindCase == BuildEvent.KindOneofCase.LogLine).Select(e => (e.LogLine.Step.Id, e.LogLine.Text, e.LogLine.Silo)));
    }

    [Fact]
    public async Task Submit_refuses_what_it_can_know_is_wrong_and_a_missing_base_image_fails_the_build()
    {
        await using var farm = await RunningFarm.StartAsync();
        // The context's Dockerfile reads all of it, so sub/app.Dockerfile is sent too.
        farm.Write("Dockerfile", "FROM busybox\nCOPY . /ctx/\n").Write("sub/app.Dockerfile", "FROM busybox\nCOPY --from=nowhere / /\nCOPY --chmod=999 a b\n");
        var request = await farm.RequestAsync();

        async Task<(StatusCode, string)> Refused(Action<SubmitRequest> change)
        {
            var changed = request.Clone();
            change(changed);
            var error = await Assert.ThrowsAsync<RpcException>(() => farm.Client.SubmitAsync(changed).ToListAsync().AsTask());
            return (error.StatusCode, error.Status.Detail);
        }

        Assert.Equal((StatusCode.InvalidArgument, "app.Dockerfile:3: invalid chmod parameter: '999'. it should be octal string and between 0 and 07777"), await Refused(r => r.DockerfilePath = "sub/app.Dockerfile"));
        Assert.Equal((StatusCode.InvalidArgument, "Dockerfile: target stage \"build\" could not be found"), await Refused(r => r.Target = "build"));
        Assert.Equal((StatusCode.InvalidArgument, "Dockerfile:1: unknown flag: --nope"), await Refused(r => r.DockerfileInline = ByteString.CopyFromUtf8("FROM --nope busybox\n")));
        Assert.Equal((StatusCode.InvalidArgument, "The Dockerfile 'sub' does not exist in the build context."), await Refused(r => r.DockerfilePath = "sub"));
        Assert.Equal((StatusCode.InvalidArgument, "ssh_forwarded needs ssh_session: open SshAgents.Forward first and name the session it gives."), await Refused(r => r.SshForwarded.Add("default")));
        Assert.Equal((StatusCode.InvalidArgument, "forwarded ssh agent \"default\": an agent needs an id, given once, either forwarded or with keys."), await Refused(r =>
        {
            r.Ssh.Add(new SshAgentKeys { Id = "default", PrivateKeys = { ByteString.CopyFromUtf8("key") } });
            r.SshForwarded.Add("default");
            r.SshSession = "s";
        }));
        Assert.Equal((StatusCode.NotFound, "There is no build nope."), await GetError(farm, "nope"));
        Assert.Equal((StatusCode.NotFound, "There is no build ."), await GetError(farm, ""));

        // Which images exist is the build's to find out (a missing one is pulled; this registry on
        // loopback lacks it): the stream ends with BuildFailed.
        await using var registry = await RegistryServer.StartAsync();
        var unknownImage = request.Clone();
        unknownImage.DockerfileInline = ByteString.CopyFromUtf8($"FROM {registry.Host}/nothing-here:1\n");
        var events = await farm.Client.SubmitAsync(unknownImage).ToListAsync();
        Assert.Equal(BuildEvent.KindOneofCase.BuildFailed, events[^1].KindCase);
        Assert.Equal(
            $"base image {registry.Host}/nothing-here:1: pulling it from {registry.Host} failed: GET http://{registry.Host}/v2/nothing-here/manifests/1: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown",
            events[^1].BuildFailed.Error);
    }

    [Fact]
    public async Task A_forwarding_session_ends_with_the_build_that_names_it_and_the_record_keeps_the_ids_not_the_session()
    {
        await using var farm = await RunningFarm.StartAsync();
        await using var forwarding = await farm.Client.ForwardSshAgentsAsync(new Dictionary<string, string> { ["default"] = "/nonexistent/agent.sock" });
        var request = new SubmitRequest { DockerfileInline = ByteString.CopyFromUtf8("FROM busybox\nRUN --mount=type=ssh true\n"), SshForwarded = { "default" }, SshSession = forwarding.Session };

        var events = await farm.Client.SubmitAsync(request).ToListAsync();
        await forwarding.Ended.WaitAsync(TimeSpan.FromSeconds(30));
        var got = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = events[0].BuildId });

        Assert.Equal(32, forwarding.Session.Length);
        Assert.Equal(BuildEvent.KindOneofCase.BuildFinished, events[^1].KindCase);
        Assert.Equal(["default"], got.Request.SshForwarded);
        Assert.Equal(string.Empty, got.Request.SshSession);
    }

    [Fact]
    public async Task An_inline_Dockerfile_builds_without_a_context()
    {
        await using var farm = await RunningFarm.StartAsync();
        var request = new SubmitRequest { DockerfileInline = ByteString.CopyFromUtf8("FROM busybox\nRUN echo inline > /inline\n") };

        var events = await farm.Client.SubmitAsync(request).ToListAsync();
        var got = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = events[0].BuildId });

        Assert.Equal(BuildEvent.KindOneofCase.BuildFinished, events[^1].KindCase);
        Assert.Equal(new SubmitRequest { DockerfileInline = ByteString.Empty }, got.Request);
        Assert.Equal(SubmitRequest.DockerfileOneofCase.DockerfileInline, got.Request.DockerfileCase);
    }

    private static async Task<(StatusCode, string)> GetError(RunningFarm farm, string id)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = id }).ResponseAsync);
        return (error.StatusCode, error.Status.Detail);
    }
}
