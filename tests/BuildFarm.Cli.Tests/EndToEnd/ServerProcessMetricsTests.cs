using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary><c>/metrics</c> of a <c>farm server</c> process of its own, scraped over HTTP after builds whose outcomes are known.</summary>
public sealed class ServerProcessMetricsTests(ServerProcessFarm farm) : IClassFixture<ServerProcessFarm>
{
    [Fact]
    public async Task The_counters_are_what_the_builds_did()
    {
        var context = farm.WriteContext("metrics", """
            FROM busybox AS build
            RUN echo counted > /counted
            FROM busybox
            COPY --from=build /counted /counted
            RUN cat /counted
            """);
        var failing = farm.WriteContext("metrics-fail", """
            FROM busybox
            RUN exit 3
            """);
        var (_, first) = await farm.BuildAsync(context, "first.json");
        var (_, second) = await farm.BuildAsync(context, "second.json");
        var failed = await farm.RunAsync("build", "--progress", "quiet", failing);

        var samples = MetricsSamples.Parse(await farm.Server.ScrapeMetricsAsync());

        Assert.Equal(1, failed.ExitCode);
        Assert.Equal((3, 0), (first.Steps.Count(step => !step.Cached), first.Steps.Count(step => step.Cached)));
        Assert.Equal((0, 3), (second.Steps.Count(step => !step.Cached), second.Steps.Count(step => step.Cached)));
        Assert.Equal(
            new Dictionary<string, double>
            {
                ["buildfarm_builds_total{outcome=\"failed\"}"] = 1,
                ["buildfarm_builds_total{outcome=\"succeeded\"}"] = 2,
                ["buildfarm_steps_total{outcome=\"failed\"}"] = 1,
                ["buildfarm_steps_total{outcome=\"hit\"}"] = 3,
                ["buildfarm_steps_total{outcome=\"run\"}"] = 3,
                ["buildfarm_step_duration_seconds_count{outcome=\"hit\"}"] = 3,
                ["buildfarm_step_duration_seconds_count{outcome=\"run\"}"] = 3,
                ["buildfarm_build_duration_seconds_count{outcome=\"failed\"}"] = 1,
                ["buildfarm_build_duration_seconds_count{outcome=\"succeeded\"}"] = 2,
                ["buildfarm_running_steps"] = 0,
                ["buildfarm_step_queue_depth"] = 0,
            },
            samples.Where(sample => IsCount(sample.Key)).OrderBy(sample => sample.Key, StringComparer.Ordinal).ToDictionary());
    }

    private static bool IsCount(string sample) =>
        sample.StartsWith("buildfarm_builds_total", StringComparison.Ordinal)
        || sample.StartsWith("buildfarm_steps_total", StringComparison.Ordinal)
        || sample.StartsWith("buildfarm_step_duration_seconds_count", StringComparison.Ordinal)
        || sample.StartsWith("buildfarm_build_duration_seconds_count", StringComparison.Ordinal)
        || sample is "buildfarm_running_steps" or "buildfarm_step_queue_depth";
}
