using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>The host's own addresses, which a RUN step must never reach.</summary>
public static class HostAddresses
{
    /// <summary>
    /// Every IPv4 address of the host's interfaces that are up, but loopback and the step bridges
    /// and test veths of farms running beside the test (<c>bf*</c>): those come and go, and an
    /// address gone by the time a step tries it would be routed off the machine instead.
    /// </summary>
    public static List<IPAddress> NonLoopbackIPv4() =>
    [
        .. NetworkInterface.GetAllNetworkInterfaces()
            .Where(static nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .Where(static nic => !nic.Name.StartsWith("bf", StringComparison.Ordinal))
            .SelectMany(static nic => nic.GetIPProperties().UnicastAddresses)
            .Select(static unicast => unicast.Address)
            .Where(static address => address.AddressFamily == AddressFamily.InterNetwork),
    ];
}
