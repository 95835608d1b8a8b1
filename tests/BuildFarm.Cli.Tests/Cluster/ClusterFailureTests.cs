using BuildFarm.Cli.Tests.EndToEnd;
using BuildFarm.Cli.Tests.TestSupport;

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

    [Fact]
    public async Task The_silo_coordinating_a_build_killed_ends_the_client_clearly_and_a_resubmission_through_another_finds_the_finished_steps()
    {
        var context = cluster.WriteContext("coordinator-killed", "FROM busybox\nCOPY part.txt /part.txt\nRUN cat /part.txt > /first\nRUN sleep 20 && cat /first > /second\n", ("part.txt", Guid.NewGuid().ToString()));
        using var build = cluster.Start(cluster.A, "build", "--progress", "plain", context);
        await build.WaitForOutputAsync("RUN sleep 20", BuildLimit);

        await cluster.A.CrashAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        FarmResult ended;
        BuildMetadata again;
        try
        {
            ended = await build.WaitForExitAsync(TimeSpan.FromSeconds(30));
            var endedAfter = clock.Elapsed;
            Assert.True(endedAfter < TimeSpan.FromSeconds(30), $"the client ended {endedAfter.TotalSeconds:F1} s after the kill");
            (_, again) = await cluster.BuildAsync(cluster.B, context, "coordinator-killed-again.json");
        }
        finally
        {
            await cluster.A.StartAsync();
        }

        Assert.Equal(1, ended.ExitCode);
        Assert.Matches(@"Error: the farm server running build \S+ stopped answering \(.+\); the steps it finished are recorded: build again, through another silo of a cluster\n$", ended.Error);
        Assert.Equal([true, true, false], again.Steps.Select(step => step.Cached));
    }

    [Fact]
    public async Task A_silo_killed_between_builds_leaves_the_next_builds_through_the_others_all_hits()
    {
        var context = cluster.WriteContext("killed-between", "FROM busybox\nCOPY part.txt /part.txt\nRUN cat /part.txt > /copy\n", ("part.txt", Guid.NewGuid().ToString()));
        var (_, first) = await cluster.BuildAsync(cluster.A, context, "killed-between-1.json");

        await cluster.A.CrashAsync();
        var archive = cluster.Combine("killed-between.oci.tar");
        BuildMetadata throughB, throughC;
        try
        {
            (_, throughB) = await cluster.BuildAsync(cluster.B, context, "killed-between-b.json", "-o", $"type=oci,dest={archive}");
            (_, throughC) = await cluster.BuildAsync(cluster.C, context, "killed-between-c.json");
        }
        finally
        {
            await cluster.A.StartAsync();
        }

        Assert.All(throughB.Steps.Concat(throughC.Steps), step => Assert.True(step.Cached, $"{step.Name} ran again after silo A was killed"));
        Assert.Equal(first.ManifestDigest, throughB.ManifestDigest);
        Assert.Equal(first.ManifestDigest, throughC.ManifestDigest);
        Assert.True(new FileInfo(archive).Length > 0);
    }

    [Fact]
    public async Task An_image_named_through_a_silo_killed_afterwards_is_saved_whole_through_another()
    {
        var part = Guid.NewGuid().ToString();
        var context = cluster.WriteContext("named-kept", "FROM busybox\nCOPY part.txt /part.txt\n", ("part.txt", part));
        await cluster.BuildAsync(cluster.A, context, "named-kept.json", "-t", "named-kept:1");

        // Its manifest and config were written on A alone; naming it copied them to a replica.
        await cluster.A.CrashAsync();
        var archive = cluster.Combine("named-kept.oci.tar");
        FarmResult save;
        try
        {
            save = await cluster.RunAsync(cluster.C, "save", "-o", archive, "named-kept:1");
        }
        finally
        {
            await cluster.A.StartAsync();
        }

        Assert.True(save.ExitCode == 0, $"farm save through C exited with {save.ExitCode}:\n{save.Error}\n{cluster.Logs()}");
        var rootfs = await cluster.UnpackAsync(archive, "named-kept:1");
        Assert.Equal(part, File.ReadAllText(Path.Combine(rootfs, "part.txt")));
    }

    [Fact]
    public async Task A_silo_restarted_on_its_disk_serves_its_blobs_again()
    {
        var part = Guid.NewGuid().ToString();
        var context = cluster.WriteContext("restarted", "FROM busybox\nCOPY part.txt /part.txt\nRUN cat /part.txt /part.txt > /twice\n", ("part.txt", part));
        var (_, cold) = await cluster.BuildAsync(cluster.A, context, "restarted-a.json");

        // A comes back on its disk; B comes back with nothing and C is down: only A can give B the layers.
        await cluster.A.CrashAsync();
        await cluster.A.StartAsync();
        await cluster.B.StopAsync();
        Directory.Delete(cluster.DataDirectory(cluster.B), recursive: true);
        await cluster.B.StartAsync();
        await cluster.C.CrashAsync();
        var archive = cluster.Combine("restarted.oci.tar");
        BuildMetadata throughB;
        try
        {
            (_, throughB) = await cluster.BuildAsync(cluster.B, context, "restarted-b.json", "-t", "restarted:1", "-o", $"type=oci,dest={archive}");
        }
        finally
        {
            await cluster.C.StartAsync();
        }

        Assert.Equal([true, true], throughB.Steps.Select(step => step.Cached));
        Assert.Equal(cold.ManifestDigest, throughB.ManifestDigest);
        var rootfs = await cluster.UnpackAsync(archive, "docker.io/library/restarted:1");
        Assert.Equal(part + part, File.ReadAllText(Path.Combine(rootfs, "twice")));
    }
}
