using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Tests.TestSupport;

namespace BuildFarm.Execution.Tests.Sandbox;

[Collection(EngineCollection.Name)]
/// <summary><c>RUN --network=none</c>.</summary>
public sealed class NetworkIsolationTests(EngineFixture fixture)
{
    // The default network (a namespace on the engine's bridge) is StepNetworkTests'.
    [Fact]
    public async Task A_step_has_loopback_only()
    {
        var outcome = await fixture.RunShellAsync("ls /sys/class/net; ip -4 -o addr | awk '{print $2, $4}'", process => process with { Network = NetworkMode.None });

        Assert.Equal(["lo", "lo 127.0.0.1/8"], outcome.Stdout);
    }

    [Fact]
    public async Task A_step_cannot_reach_the_hosts_ports()
    {
        List<IPAddress> addresses = [IPAddress.Loopback, .. HostAddresses.NonLoopbackIPv4()];
        var listeners = addresses.Select(static address => new TcpListener(address, 0)).ToList();
        try
        {
            listeners.ForEach(static listener => listener.Start());
            var probes = listeners.Select(static listener => (IPEndPoint)listener.LocalEndpoint)
                .Select(static endpoint => $"nc -w 2 {endpoint.Address} {endpoint.Port.ToString(CultureInfo.InvariantCulture)} </dev/null 2>&1; echo \"exit $?\"");

            var outcome = await fixture.RunShellAsync(string.Join("; ", probes), process => process with { Network = NetworkMode.None });

            // 127.0.0.1 is the sandbox's own loopback, where nothing listens; the host's other
            // addresses have no route from a namespace with only lo.
            var expected = addresses.SelectMany(address => IPAddress.IsLoopback(address)
                ? new[] { $"nc: can't connect to remote host ({address}): Connection refused", "exit 1" }
                : new[] { $"nc: can't connect to remote host ({address}): Network is unreachable", "exit 1" });
            Assert.Equal(expected, outcome.Stdout);
            Assert.All(listeners, static listener => Assert.False(listener.Pending()));
        }
        finally
        {
            listeners.ForEach(static listener => listener.Stop());
        }
    }
}
