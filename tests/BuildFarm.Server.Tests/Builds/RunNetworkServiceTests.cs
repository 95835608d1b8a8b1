using BuildFarm.Api.V1;
using BuildFarm.Server.Tests.TestSupport;
using Grpc.Core;

namespace BuildFarm.Server.Tests.Builds;

/// <summary><c>--add-host</c> and <c>--allow</c> through Submit, the build grain and the engine.</summary>
public sealed class RunNetworkServiceTests
{
    [Fact]
    public async Task Added_hosts_reach_the_steps_etc_hosts_and_entitlements_are_checked_against_the_server()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN tail -n 2 /etc/hosts\n");

        var added = await farm.BuildAsync(r => r.ExtraHosts.Add(["mirror.example:198.18.0.7", "v6.example=fd00::7"]));
        var entitled = await farm.BuildAsync(r => r.Entitlements.Add("network.host"));

        Assert.Equal(["198.18.0.7\tmirror.example", "fd00::7\tv6.example"], added.Where(e => e.KindCase == BuildEvent.KindOneofCase.LogLine).Select(e => e.LogLine.Text));
        Assert.Equal(BuildEvent.KindOneofCase.BuildFailed, entitled[^1].KindCase);
        Assert.Equal("granting entitlement network.host is not allowed by build daemon configuration", entitled[^1].BuildFailed.Error);
    }

    [Fact]
    public async Task Malformed_added_hosts_and_unknown_entitlements_are_invalid_arguments()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\n");

        var host = await Assert.ThrowsAsync<RpcException>(() => farm.BuildAsync(r => r.ExtraHosts.Add("mirror.example:not-an-ip")));
        var entitlement = await Assert.ThrowsAsync<RpcException>(() => farm.BuildAsync(r => r.Entitlements.Add("network.hots")));

        Assert.Equal((StatusCode.InvalidArgument, "--add-host: invalid IP address in add-host: \"not-an-ip\"."), (host.StatusCode, host.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "--allow: invalid entitlement: network.hots."), (entitlement.StatusCode, entitlement.Status.Detail));
    }
}
