using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Cluster;

/// <summary>
/// RUN steps on a cluster silo cannot reach the cluster's machines beyond their own host. Redis
/// here is "another machine": it listens on an address of a network namespace the test made,
/// next to the HTTP server that stands for the internet and a second Redis no cluster uses,
/// which steps do reach.
/// </summary>
public sealed class ClusterStepNetworkTests
{
    [Fact]
    public async Task A_step_reaches_the_internet_through_NAT_but_not_the_cluster_s_Redis_on_another_machine()
    {
        await using var internet = await InternetNamespace.StartAsync();
        var redisAddress = await internet.AddAddressAsync();
        await using var redis = await RedisServer.StartAsync(internet.Namespace, redisAddress.ToString());
        var otherAddress = await internet.AddAddressAsync();
        await using var otherRedis = await RedisServer.StartAsync(internet.Namespace, otherAddress.ToString());
        using var session = new FarmSession();
        await using var silo = await ServerProcess.StartAsync(session.DataDirectory, session.Home, ["--redis", redis.Address, "--cluster-id", "fence-" + Guid.NewGuid().ToString("N")[..8]]);
        string[] server = ["--data-dir", session.DataDirectory, "--server", silo.Address.ToString()];
        var load = await FarmProcess.RunAsync(session.Home, [.. server, "load", "-i", (await Busybox.GetAsync()).ArchivePath]);
        Assert.True(load.ExitCode == 0, load.Error);
        var context = session.WriteContext("fence", $"""
            FROM busybox
            RUN wget -q -O /internet http://{internet.ServerAddress}/index.html
            RUN (echo PING | nc -w 3 {redisAddress} {redis.Port} || echo unreachable) > /redis
            RUN (echo PING | nc -w 3 {otherAddress} {otherRedis.Port} || echo unreachable) > /other-redis
            """);

        var output = session.Combine("out");
        var build = await FarmProcess.RunAsync(session.Home, [.. server, "build", "--progress", "plain", "-o", $"type=local,dest={output}", context]);

        Assert.True(build.ExitCode == 0, $"farm build exited with {build.ExitCode}:\n{build.Error}\n{silo.Log}");
        Assert.Equal(InternetNamespace.PageContent + "\n", File.ReadAllText(Path.Combine(output, "internet")));
        Assert.Equal("unreachable\n", File.ReadAllText(Path.Combine(output, "redis")));
        Assert.Equal("+PONG\r\n", File.ReadAllText(Path.Combine(output, "other-redis")));
    }
}
