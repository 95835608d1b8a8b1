using System.Net;
using BuildFarm.Execution.Sandbox;

namespace BuildFarm.Execution.Tests.Sandbox;

public sealed class ExtraHostTests
{
    [Theory]
    [InlineData("mirror.example:198.18.0.1", "mirror.example", "198.18.0.1")]
    [InlineData("mirror.example=198.18.0.1", "mirror.example", "198.18.0.1")]
    [InlineData("v6:fd00::1", "v6", "fd00::1")]
    [InlineData("v6=fd00::1", "v6", "fd00::1")]
    [InlineData("v6:[fd00::1]", "v6", "fd00::1")]
    public void Buildx_forms_are_parsed(string value, string name, string address)
    {
        var host = ExtraHost.Parse(value);

        Assert.Equal(new ExtraHost(name, IPAddress.Parse(address)), host);
        Assert.Equal($"{name}:{address}", host.ToString());
    }

    [Theory]
    [InlineData("mirror.example", "invalid add-host \"mirror.example\": expected NAME:IP")]
    [InlineData(":198.18.0.1", "invalid add-host \":198.18.0.1\": expected NAME:IP")]
    [InlineData("bad name:198.18.0.1", "invalid add-host \"bad name:198.18.0.1\": \"bad name\" is not a host name")]
    [InlineData("mirror:999.1.1.1", "invalid IP address in add-host: \"999.1.1.1\"")]
    [InlineData("mirror:host-gateway", "invalid IP address in add-host: \"host-gateway\"")]
    [InlineData("mirror:", "invalid IP address in add-host: \"\"")]
    public void Anything_else_is_refused_naming_the_value(string value, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => ExtraHost.Parse(value)).Message);
}
