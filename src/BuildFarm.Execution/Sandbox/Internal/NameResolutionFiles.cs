using System.Net;
using System.Net.Sockets;

namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>The <c>/etc/hosts</c> and <c>/etc/resolv.conf</c> a sandbox gets, generated rather than taken from (or left in) its layers.</summary>
internal static class NameResolutionFiles
{
    private static readonly string[] PublicFallback = ["nameserver 8.8.8.8", "nameserver 8.8.4.4"];

    /// <summary>BuildKit's hosts file, then the build's <c>--add-host</c> entries in their order.</summary>
    public static string Hosts(string hostname, IReadOnlyList<ExtraHost> extraHosts) =>
        $"127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        + string.Concat(extraHosts.Select(static host => $"{host.Address}\t{host.Name}\n"));

    /// <summary>
    /// The host's resolv.conf for a sandbox with a network namespace of its own. Loopback name
    /// servers are the host's own: unreachable from there, so they go; but when
    /// <paramref name="gateway"/> is given (a step on the bridge) the first IPv4 one is replaced
    /// by the gateway, whose port 53 leads to it (see <see cref="FirstLoopbackNameServer"/>), and
    /// IPv6 ones go too (steps have no IPv6 route). Docker's public fallback when none is left.
    /// </summary>
    public static string ResolvConf(string hostResolvConf, IPAddress? gateway = null)
    {
        var loopback = FirstLoopbackNameServer(hostResolvConf);
        var lines = new List<string>();
        foreach (var line in hostResolvConf.Split('\n').Select(static line => line.TrimEnd('\r')))
        {
            var server = NameServer(line);
            if (server is null)
            {
                lines.Add(line);
            }
            else if (gateway is not null && server.Equals(loopback))
            {
                lines.Add($"nameserver {gateway}");
            }
            else if (!IPAddress.IsLoopback(server) && (gateway is null || server.AddressFamily == AddressFamily.InterNetwork))
            {
                lines.Add(line);
            }
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        if (!lines.Any(static line => NameServer(line) is not null))
        {
            lines.AddRange(PublicFallback);
        }

        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The host's first IPv4 loopback name server (<c>127.0.0.53</c>, a local dnsmasq), which a step reaches through its gateway.</summary>
    public static IPAddress? FirstLoopbackNameServer(string hostResolvConf) =>
        hostResolvConf.Split('\n')
            .Select(static line => NameServer(line.TrimEnd('\r')))
            .FirstOrDefault(static server => server is not null && server.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(server));

    private static IPAddress? NameServer(string line)
    {
        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return fields is ["nameserver", var address, ..] && IPAddress.TryParse(address, out var parsed) ? parsed : null;
    }
}
