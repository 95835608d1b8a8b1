using BuildFarm.Api.V1;
using BuildFarm.Server.Tests.TestSupport;

namespace BuildFarm.Server.Tests.Builds;

/// <summary>A failing RUN's exit code and last lines reach clients as fields, in its events and in the build, and stay there.</summary>
public sealed class StepFailureTests
{
    private static readonly string[] LastTen = [.. Enumerable.Range(6, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public async Task A_failing_run_reports_its_step_line_exit_code_and_last_lines_typed()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN echo ok > /ok\nRUN seq 1 15 && exit 7\n");

        var events = await farm.BuildAsync();
        var id = events[0].BuildId;

        var stepFailed = Assert.Single(events, e => e.KindCase == BuildEvent.KindOneofCase.StepFailed).StepFailed;
        Assert.Equal("0.2", stepFailed.Step.Id);
        Assert.Equal("[3/3] RUN seq 1 15 && exit 7", stepFailed.Step.Name);
        Assert.True(stepFailed.HasExitCode);
        Assert.Equal(7, stepFailed.ExitCode);
        // The server keeps the last 10 lines of a failed process (ExecutionOptions.FailureOutputLines).
        Assert.Equal(LastTen, stepFailed.LastLines);
        Assert.StartsWith("sha256:", stepFailed.CacheKey, StringComparison.Ordinal);
        Assert.Equal(BuildEvent.KindOneofCase.BuildFailed, events[^1].KindCase);
        Assert.Equal("0.2", events[^1].BuildFailed.StepId);

        var expected = new FailedStep { StepId = "0.2", Location = "Dockerfile:3", ExitCode = 7, LastLines = { LastTen } };
        var build = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = id });
        Assert.Equal(expected, build.FailedStep);
        Assert.Equal(BuildState.Failed, build.State);

        // Kept with the build: after a restart, Get and a replay report the same.
        await farm.RestartAsync();
        var again = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = id });
        var replayed = await farm.Client.WatchAsync(id).ToListAsync();
        Assert.Equal(expected, again.FailedStep);
        Assert.Equal(events.Select(e => e.ToString()), replayed.Select(e => e.ToString()));
    }

    [Fact]
    public async Task A_step_that_fails_without_a_process_has_no_exit_code()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nCOPY missing.txt /missing.txt\n");

        var events = await farm.BuildAsync();

        var stepFailed = Assert.Single(events, e => e.KindCase == BuildEvent.KindOneofCase.StepFailed).StepFailed;
        Assert.False(stepFailed.HasExitCode);
        Assert.Empty(stepFailed.LastLines);
        var build = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = events[0].BuildId });
        Assert.Equal(new FailedStep { StepId = "0.1", Location = "Dockerfile:2" }, build.FailedStep);
    }
}
