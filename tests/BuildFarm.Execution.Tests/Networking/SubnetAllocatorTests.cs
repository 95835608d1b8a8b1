using BuildFarm.Execution.Networking.Internal;

namespace BuildFarm.Execution.Tests.Networking;

public sealed class SubnetAllocatorTests
{
    private static readonly Ipv4Subnet Pool = Subnet("10.200.0.0/22");

    [Fact]
    public void The_first_free_24_from_the_engines_starting_point_is_taken_wrapping_around_the_pool()
    {
        var taken = new[] { Subnet("10.200.1.0/24"), Subnet("10.200.2.128/25") };

        Assert.Equal("10.200.3.0/24", SubnetAllocator.Choose(Pool, 1, taken).ToString());
        Assert.Equal("10.200.3.0/24", SubnetAllocator.Choose(Pool, 5, taken).ToString());
        Assert.Equal("10.200.0.0/24", SubnetAllocator.Choose(Pool, 0, taken).ToString());
        Assert.Equal("10.200.0.0/24", SubnetAllocator.Choose(Pool, 7, [Subnet("10.200.3.7/32")]).ToString());
    }

    [Fact]
    public void A_pool_that_a_route_covers_has_nothing_free()
    {
        Assert.Null(SubnetAllocator.Choose(Pool, 0, [Subnet("10.0.0.0/8")]));
        Assert.Null(SubnetAllocator.Choose(Pool, 0, [Subnet("10.200.0.0/24"), Subnet("10.200.1.0/24"), Subnet("10.200.2.0/23")]));
    }

    [Theory]
    [InlineData("10.200.7.9/24", "10.200.7.0/24")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("198.18.0.1/32", "198.18.0.1/32")]
    public void A_subnet_is_parsed_with_its_host_bits_cleared(string text, string expected) =>
        Assert.Equal(expected, Subnet(text).ToString());

    [Theory]
    [InlineData("10.200.0.0")]
    [InlineData("10.200.0.0/33")]
    [InlineData("fd00::/64")]
    [InlineData("10.200.0.0/-1")]
    [InlineData("ten/8")]
    public void What_is_not_an_IPv4_network_is_not_parsed(string text) =>
        Assert.Null(Ipv4Subnet.TryParse(text));

    [Fact]
    public void The_hosts_routes_are_read_from_the_kernel()
    {
        // Every host has its loopback route in the local table only; the main table holds at
        // least the network of the interface the default route leaves by.
        var routes = SubnetAllocator.ReadRoutes();

        Assert.NotEmpty(routes);
        Assert.DoesNotContain(routes, static route => route.PrefixLength == 0);
    }

    private static Ipv4Subnet Subnet(string text) => Ipv4Subnet.TryParse(text) ?? throw new FormatException(text);
}
