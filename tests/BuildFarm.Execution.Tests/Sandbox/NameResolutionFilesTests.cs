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
}
