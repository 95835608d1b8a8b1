using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Networking;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Microsoft.Extensions.Time.Testing;

namespace BuildFarm.Execution.Tests.Sandbox;

/// <summary>RUN steps' default network: out through NAT to "the internet", DNS, --add-host; never the host, never another step.</summary>
[Collection(StepNetworkCollection.Name)]
public sealed class StepNetworkTests(StepNetworkFixture fixture)
{
    private const string DefaultGateway = "ip route | awk '/^default/ {print $3}'";

    private InternetNamespace Internet => fixture.Internet;

    private string Page => $"http://{Internet.ServerAddress}/index.html";

    [Fact]
    public async Task A_step_downloads_from_the_internet_by_address_and_leaves_no_network_behind()
    {
        var outcome = await fixture.RunShellAsync($"ls /sys/class/net; wget -q -O - {Page}");

        Assert.Equal(["eth0", "lo", InternetNamespace.PageContent], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
        await AssertNoNetworkLeftAsync(fixture.Engine.Network);
    }

    [Fact]
    public async Task Forbidden_addresses_are_out_of_reach_at_once_for_a_step_already_running_and_reachable_again_when_lifted()
    {
        try
        {
            // The step waits for the bridge to be fenced while it runs, then tries.
            var running = fixture.RunShellAsync($"sleep 3; wget -q -O - {Page} || echo blocked");
            for (var poll = 0; fixture.Engine.Network.Current is null && poll < 100; poll++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }

            var changed = await fixture.Engine.Network.ForbidAsync([Internet.ServerAddress, IPAddress.Loopback, IPAddress.IPv6Loopback]);
            var fenced = await running;
            var unchanged = await fixture.Engine.Network.ForbidAsync([Internet.ServerAddress]);
            await fixture.Engine.Network.ForbidAsync([]);
            var lifted = await fixture.RunShellAsync($"wget -q -O - {Page}");

            Assert.True(changed);
            Assert.False(unchanged);
            Assert.Equal(["blocked"], fenced.Stdout);
            Assert.Equal([InternetNamespace.PageContent], lifted.Stdout);
        }
        finally
        {
            await fixture.Engine.Network.ForbidAsync([]);
        }
    }

    [Fact]
    public async Task A_step_resolves_names_through_the_hosts_loopback_only_resolver()
    {
        var outcome = await fixture.RunShellAsync($"{DefaultGateway}; cat /etc/resolv.conf; wget -q -O - http://{InternetNamespace.HostName}/index.html");

        // The host's resolver is 127.x.y.z: the step asks its gateway, whose port 53 leads there.
        var gateway = outcome.Stdout[0];
        Assert.StartsWith("10.20", gateway, StringComparison.Ordinal);
        Assert.Equal([gateway, $"nameserver {gateway}", "options timeout:2 attempts:1", InternetNamespace.PageContent], outcome.Stdout);
    }

    [Fact]
    public async Task Added_hosts_are_in_etc_hosts_in_order_and_stay_out_of_the_layer()
    {
        var extraHosts = new[] { new ExtraHost("mirror.example", Internet.ServerAddress), new ExtraHost("v6.example", IPAddress.Parse("fd00::7")) };

        var outcome = await fixture.RunShellAsync("cat /etc/hosts; wget -q -O - http://mirror.example/index.html", process => process with { ExtraHosts = extraHosts });

        Assert.Equal(
        [
            "127.0.0.1\tlocalhost buildkitsandbox",
            "::1\tlocalhost ip6-localhost ip6-loopback",
            $"{Internet.ServerAddress}\tmirror.example",
            "fd00::7\tv6.example",
            InternetNamespace.PageContent,
        ],
            outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_step_reaches_no_port_of_the_host_by_its_gateway_its_addresses_or_loopback()
    {
        // Every address of the host, the farm's ports among them: one listener on all of them.
        var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
            var hostAddresses = HostAddresses.NonLoopbackIPv4();
            var probes = new StringBuilder($"gateway=$({DefaultGateway}); ");
            foreach (var address in hostAddresses.Select(static a => a.ToString()).Prepend("$gateway").Append("127.0.0.1"))
            {
                probes.Append($"nc -w 1 {address} {port} </dev/null 2>&1 | sed \"s/$gateway/GATEWAY/\"; ");
            }

            probes.Append($"wget -q -O - {Page}");

            var outcome = await fixture.RunShellAsync(probes.ToString());

            // Dropped, so each attempt times out; the step's 127.0.0.1 is its own, where nothing listens.
            Assert.Equal(
            [
                "nc: timed out",
                .. hostAddresses.Select(static _ => "nc: timed out"),
                "nc: can't connect to remote host (127.0.0.1): Connection refused",
                InternetNamespace.PageContent,
            ],
                outcome.Stdout);
            Assert.False(listener.Pending());
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Steps_running_side_by_side_cannot_reach_each_other()
    {
        using var shared = new TempDirectory("buildfarm-steps-shared");
        var mount = new BindMount(shared.Path, "/shared", ReadOnly: false);

        // The first listens and waits (bounded) for the second to be done; the second connects.
        var listening = fixture.RunShellAsync(
            "nc -l -p 8080 > /shared/received & ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1 > /shared/address.tmp; mv /shared/address.tmp /shared/address; "
            + "i=0; while [ ! -e /shared/done ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; echo waited",
            process => process with { Mounts = [mount] });
        var connecting = fixture.RunShellAsync(
            "i=0; while [ ! -e /shared/address ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ -s /shared/address ] || exit 3; "
            + "echo hello | nc -w 2 $(cat /shared/address) 8080 2>&1; echo \"exit $?\"; touch /shared/done",
            process => process with { Mounts = [mount] });

        var connected = await connecting;
        var listened = await listening;

        Assert.Equal(["nc: timed out", "exit 1"], connected.Stdout);
        Assert.Equal(["waited"], listened.Stdout);
        Assert.Equal(string.Empty, await File.ReadAllTextAsync(shared.Combine("received")));
    }

    [Fact]
    public async Task No_network_is_loopback_only()
    {
        var outcome = await fixture.RunShellAsync($"ls /sys/class/net; nc -w 2 {Internet.ServerAddress} 80 </dev/null 2>&1; echo \"exit $?\"", process => process with { Network = NetworkMode.None });

        Assert.Equal(["lo", $"nc: can't connect to remote host ({Internet.ServerAddress}): Network is unreachable", "exit 1"], outcome.Stdout);
    }

    [Fact]
    public async Task The_host_network_reaches_the_hosts_loopback_when_the_engine_allows_it()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var step = fixture.RunShellAsync($"echo from-the-step | nc -w 2 127.0.0.1 {port}", process => process with { Network = NetworkMode.Host });
            using var client = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
            using var reader = new StreamReader(client.GetStream());

            Assert.Equal("from-the-step", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            client.Close();
            await step;
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task What_a_crashed_engine_left_is_removed_when_its_data_directory_is_opened_again()
    {
        using var data = new TempDirectory("buildfarm-crashed");
        StepNetwork crashed;
        using (var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = data.Path }))
        {
            crashed = (await ExecutionEngine.OpenAsync(store)).Network;

            // A step's namespace, the bridge and its table, never released: as a killed server leaves them.
            _ = await crashed.JoinAsync();
            Assert.True(Directory.Exists($"/sys/class/net/{crashed.BridgeName}"));
            Assert.Single(Directory.GetFiles("/run/netns", crashed.BridgeName + "-*"));
            Assert.Equal(0, (await ProcessRunner.RunAsync("nft", ["list", "table", "inet", crashed.TableName])).ExitCode);
        }

        using (var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = data.Path }))
        {
            var reopened = (await ExecutionEngine.OpenAsync(store)).Network;

            Assert.Equal(crashed.BridgeName, reopened.BridgeName);
            await AssertNoNetworkLeftAsync(reopened);
        }
    }

    [Fact]
    public async Task Engines_side_by_side_take_different_subnets()
    {
        using var first = new TempDirectory("buildfarm-net-a");
        using var second = new TempDirectory("buildfarm-net-b");
        using var firstStore = ContentStore.Open(new ContentStoreOptions { DataDirectory = first.Path });
        using var secondStore = ContentStore.Open(new ContentStoreOptions { DataDirectory = second.Path });
        var a = (await ExecutionEngine.OpenAsync(firstStore, NoLinger)).Network;
        var b = (await ExecutionEngine.OpenAsync(secondStore, NoLinger)).Network;

        await using (await a.JoinAsync())
        await using (await b.JoinAsync())
        {
            Assert.NotEqual(a.BridgeName, b.BridgeName);
            Assert.NotEqual(a.Current!.Value.Subnet, b.Current!.Value.Subnet);
        }

        await AssertNoNetworkLeftAsync(a);
        await AssertNoNetworkLeftAsync(b);
    }

    [Fact]
    public async Task The_bridge_stays_for_the_next_step_and_goes_when_the_linger_is_over()
    {
        using var data = new TempDirectory("buildfarm-linger");
        using var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = data.Path });
        var time = new FakeTimeProvider();
        var network = (await ExecutionEngine.OpenAsync(store, new ExecutionOptions { StepNetworkLinger = TimeSpan.FromSeconds(5) }, time)).Network;

        await (await network.JoinAsync()).DisposeAsync();
        var first = network.Current;
        time.Advance(TimeSpan.FromSeconds(4));
        await using (await network.JoinAsync())
        {
            Assert.Equal(first, network.Current);
        }

        time.Advance(TimeSpan.FromSeconds(5));

        // The removal runs on its own once the clock passed the linger: wait for it, bounded.
        for (var attempt = 0; attempt < 250 && Directory.Exists($"/sys/class/net/{network.BridgeName}"); attempt++)
        {
            await Task.Delay(20);
        }

        await AssertNoNetworkLeftAsync(network);
    }

    private static ExecutionOptions NoLinger => new() { StepNetworkLinger = TimeSpan.Zero };

    private static async Task AssertNoNetworkLeftAsync(StepNetwork network)
    {
        Assert.Null(network.Current);
        Assert.False(Directory.Exists($"/sys/class/net/{network.BridgeName}"));
        Assert.Empty(Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns", network.BridgeName + "-*") : []);
        var table = await ProcessRunner.RunAsync("nft", ["list", "table", "inet", network.TableName]);
        Assert.Equal(1, table.ExitCode);
    }
}
