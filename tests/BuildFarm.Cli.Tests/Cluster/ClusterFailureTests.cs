namespace BuildFarm.Cli.Tests.Cluster;

/// <summary>Parts of the cluster killed and started again by pid: Redis, silos.</summary>
[Collection(ClusterFarm.Collection)]
public sealed class ClusterFailureTests(ClusterFarm cluster)
{
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Redis_restarted_during_a_build_leaves_the_build_finished_and_the_cluster_building()
    {
        var context = cluster.WriteContext("redis-restart", "FROM busybox\nRUN sleep 5 && echo slept > /slept\nRUN cat /slept > /copy\n");
        using var build = cluster.Start(cluster.A, "build", "--progress", "plain", "--metadata-file", cluster.Combine("redis-restart.json"), context);
        await build.WaitForOutputAsync("RUN sleep 5", BuildLimit);

        await cluster.Redis.RestartAsync();
        var during = await build.WaitForExitAsync(BuildLimit);

        // Redis keeps what it was told on its append-only file, and the silos reconnect: the build
        // in flight records its steps, and the next builds through any silo find them.
        Assert.True(during.ExitCode == 0, $"the build during the restart exited with {during.ExitCode}:\n{during.Error}\n{cluster.Logs()}");
        var (_, after) = await cluster.BuildAsync(cluster.A, context, "redis-restart-after.json");
        Assert.All(after.Steps, step => Assert.True(step.Cached, $"{step.Name} ran again after Redis restarted"));
    }
}
