using System.Net;
using System.Net.Sockets;

namespace BuildFarm.Testing;

/// <summary>A TCP port on 127.0.0.1 that was free a moment ago; callers retry when they lose the race for it.</summary>
public static class FreePort
{
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
