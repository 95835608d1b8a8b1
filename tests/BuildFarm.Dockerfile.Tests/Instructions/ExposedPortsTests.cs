using BuildFarm.Dockerfile.Instructions;

namespace BuildFarm.Dockerfile.Tests.Instructions;

public sealed class ExposedPortsTests
{
    [Fact]
    public void Ports_protocols_and_ranges()
    {
        Assert.Equal(
            ["80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp", "9/sctp", "443/tcp", "22/tcp"],
            ExposedPorts.Parse(["80", "53/UDP", "8000-8002/tcp", "9/sctp", "8443:443", "127.0.0.1:2222:22"]));
    }

    [Theory]
    [InlineData("abc", "invalid containerPort: abc")]
    [InlineData("80/foo", "invalid port: \"80/foo\": invalid proto: foo")]
    [InlineData("/tcp", "invalid port: \"/tcp\": no port specified")]
    [InlineData("9000-8000", "invalid containerPort: 9000-8000")]
    [InlineData("70000", "invalid containerPort: 70000")]
    [InlineData("1-2:3-5", "invalid ranges specified for container and host Ports: 3-5 and 1-2")]
    [InlineData("nohost:1:2", "invalid IP address: nohost")]
    public void Rejects_bad_ports(string word, string error)
    {
        Assert.Equal(error, Assert.Throws<FormatException>(() => ExposedPorts.Parse([word])).Message);
    }
}
