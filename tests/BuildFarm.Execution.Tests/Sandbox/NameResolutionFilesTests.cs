using System.Net;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Sandbox.Internal;

namespace BuildFarm.Execution.Tests.Sandbox;

public sealed class NameResolutionFilesTests
{
    [Fact]
    public void Loopback_name_servers_are_dropped_and_the_rest_kept()
    {
        Assert.Equal(
            "search example.test\nnameserver 10.0.0.53\noptions ndots:2\n",
            NameResolutionFiles.ResolvConf("search example.test\nnameserver 127.0.0.53\nnameserver 10.0.0.53\r\nnameserver ::1\noptions ndots:2\n\n"));
    }

    [Fact]
    public void Without_a_usable_name_server_dockers_fallback_is_used()
    {
        Assert.Equal("nameserver 8.8.8.8\nnameserver 8.8.4.4\n", NameResolutionFiles.ResolvConf(""));
        Assert.Equal("options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n", NameResolutionFiles.ResolvConf("nameserver 127.0.0.1\noptions edns0\n"));
    }

    [Fact]
    public void On_the_bridge_the_first_loopback_name_server_becomes_the_gateway_and_ipv6_ones_go()
    {
        const string host = "search example.test\nnameserver 127.0.0.53\nnameserver 10.0.0.53\nnameserver fd00::53\nnameserver 127.0.0.1\noptions ndots:2\n";

        Assert.Equal(IPAddress.Parse("127.0.0.53"), NameResolutionFiles.FirstLoopbackNameServer(host));
        Assert.Equal(
            "search example.test\nnameserver 10.200.0.1\nnameserver 10.0.0.53\noptions ndots:2\n",
            NameResolutionFiles.ResolvConf(host, IPAddress.Parse("10.200.0.1")));
    }

    [Fact]
    public void On_the_bridge_without_a_loopback_name_server_the_hosts_are_used_through_nat()
    {
        Assert.Null(NameResolutionFiles.FirstLoopbackNameServer("nameserver 10.0.0.53\nnameserver ::1\n"));
        Assert.Equal("nameserver 10.0.0.53\n", NameResolutionFiles.ResolvConf("nameserver 10.0.0.53\nnameserver ::1\n", IPAddress.Parse("10.200.0.1")));
    }

    [Fact]
    public void Added_hosts_follow_buildkits_lines_in_their_order()
    {
        Assert.Equal(
            "127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n198.18.0.1\tb.example\n198.18.0.2\ta.example\n",
            NameResolutionFiles.Hosts("box", [new ExtraHost("b.example", IPAddress.Parse("198.18.0.1")), new ExtraHost("a.example", IPAddress.Parse("198.18.0.2"))]));
    }
}
