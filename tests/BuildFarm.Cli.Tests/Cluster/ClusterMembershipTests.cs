using System.Diagnostics;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Cluster;

/// <summary>Three silos and a real Redis: forming the cluster, noticing a dead silo, rejoining, and clients that move past a silo that does not answer.</summary>
[Collection(ClusterFarm.Collection)]
public sealed class ClusterMembershipTests(ClusterFarm cluster)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_silo_sees_all_three_and_names_itself_by_its_address_and_silo_port()
    {
        foreach (var silo in cluster.Silos)
        {
            Assert.Equal(3, await WaitForActiveAsync(silo, 3));
            Assert.Matches(@"^127\.0\.0\.1:\d+$", silo.SiloName);
        }

        Assert.Equal(3, cluster.Silos.Select(silo => silo.SiloName).Distinct().Count());
    }

    [Fact]
    public async Task A_silo_killed_is_voted_dead_within_about_the_timeout_and_rejoins_under_its_name_when_restarted_on_its_disk()
    {
        await WaitForActiveAsync(cluster.A, 3);
        var name = cluster.C.SiloName;

        await cluster.C.CrashAsync();
        var clock = Stopwatch.StartNew();
        Assert.Equal(2, await WaitForActiveAsync(cluster.A, 2));
        var noticed = clock.Elapsed;

        await cluster.C.StartAsync();
        Assert.Equal(3, await WaitForActiveAsync(cluster.A, 3));
        Assert.Equal(name, cluster.C.SiloName);
        // Membership probes every quarter of the timeout and votes after three missed probes; the
        // table is re-read as often. Allow the timeout again for a loaded CI machine.
        Assert.True(noticed < ClusterFarm.DeadSiloTimeout * 2, $"silo {name} was noticed dead after {noticed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_client_given_several_addresses_uses_the_first_that_answers()
    {
        var nobody = $"http://127.0.0.1:{FreePort.Pick()}/";

        var images = await cluster.RunThroughAsync([nobody, cluster.B.Address.ToString()], "images");

        Assert.True(images.ExitCode == 0, images.Error);
        Assert.StartsWith("REPOSITORY", images.Output, StringComparison.Ordinal);
        Assert.Contains("\nbusybox ", images.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_whose_addresses_all_fail_names_each_of_them()
    {
        var (first, second) = ($"http://127.0.0.1:{FreePort.Pick()}/", $"http://127.0.0.1:{FreePort.Pick()}/");

        var images = await cluster.RunThroughAsync([first, second], "images");

        Assert.Equal(1, images.ExitCode);
        Assert.StartsWith($"Error: no farm server answered: {first} did not answer (Unavailable: ", images.Error, StringComparison.Ordinal);
        Assert.Contains($"; {second} did not answer (Unavailable: ", images.Error, StringComparison.Ordinal);
    }

    private static async Task<int> WaitForActiveAsync(ServerProcess silo, int expected)
    {
        var clock = Stopwatch.StartNew();
        int seen;
        while ((seen = await ClusterFarm.SilosSeenAsync(silo, "active")) != expected && clock.Elapsed < WaitLimit)
        {
            await Task.Delay(Poll);
        }

        return seen;
    }
}

/// <summary>A silo that cannot join its cluster says why and stops.</summary>
public sealed class ClusterStartTests
{
    [Fact]
    public async Task A_silo_whose_Redis_does_not_answer_stops_naming_it()
    {
        using var session = new FarmSession();
        var redis = $"127.0.0.1:{FreePort.Pick()}";

        var result = await FarmProcess.RunAsync(session.Home, ["--data-dir", session.DataDirectory, "server", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--redis", redis]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"Error: cannot reach Redis at {redis}: ", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    // The silo joins its cluster before the API binds: the stop that follows a taken port ends the
    // services that follow the membership too, and that end is no failure of theirs to report.
    [Fact]
    public async Task A_silo_whose_API_port_is_taken_stops_naming_the_address_and_nothing_else()
    {
        using var session = new FarmSession();
        await using var redis = await RedisServer.StartAsync();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var listen = $"127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await FarmProcess.RunAsync(session.Home, ["--data-dir", session.DataDirectory, "server", "--listen", listen, "--metrics-listen", "127.0.0.1:0", "--redis", redis.Address, "--silo-port", FreePort.Pick().ToString(System.Globalization.CultureInfo.InvariantCulture), "--gateway-port", FreePort.Pick().ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Failed to bind to address http://{listen}: address already in use.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("BackgroundService failed", result.Error + result.Output, StringComparison.Ordinal);
    }
}
