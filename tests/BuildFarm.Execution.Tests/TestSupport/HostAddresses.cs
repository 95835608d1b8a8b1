using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>The host's own addresses, which a RUN step must never reach.</summary>
public static class HostAddresses
{
    /// <summary>Every IPv4 address of the host's interfaces that are up, but loopback.</summary>
    public static List<IPAddress> NonLoopbackIPv4() =>
    [
        .. NetworkInterface.GetAllNetworkInterfaces()
            .Where(static nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(static nic => nic.GetIPProperties().UnicastAddresses)
            .Select(static unicast => unicast.Address)
            .Where(static address => address.AddressFamily == AddressFamily.InterNetwork),
    ];
}
