using System.Net;

namespace BuildFarm.Server.Hosting;

/// <summary>
/// How a silo joins others: without <see cref="Redis"/> it is a cluster of one (localhost
/// clustering, grain state on its own disk), as the quick start runs; with it, silos that name
/// the same Redis and <see cref="ClusterId"/> form one cluster whose membership and grain state
/// live in Redis.
/// </summary>
public sealed class FarmClusterOptions
{
    /// <summary>The default silo-to-silo port of a silo in a Redis cluster (Orleans' own default).</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>The default gateway port of a silo in a Redis cluster (Orleans' own default).</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>A StackExchange.Redis configuration string (<c>host:port</c>, with options after commas); null for a cluster of one.</summary>
    public string? Redis { get; init; }

    /// <summary>Silos with the same Redis and cluster id are one cluster; several clusters may share a Redis.</summary>
    public string ClusterId { get; init; } = "buildfarm";

    /// <summary>
    /// The address peers dial to reach this silo, and the one it listens on: loopback unless told
    /// otherwise, because the farm's API has no authentication yet.
    /// </summary>
    public IPAddress AdvertisedAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The silo-to-silo port; 0 picks a free one (a cluster of one), null takes <see cref="DefaultSiloPort"/> with Redis and a free one without.</summary>
    public int? SiloPort { get; init; }

    /// <summary>The Orleans gateway port; as <see cref="SiloPort"/>.</summary>
    public int? GatewayPort { get; init; }

    /// <summary>
    /// How long a silo that stopped answering may stay a member: peers probe each other, and one
    /// that misses three probes in a row is voted dead. About 10 s on a local network by default,
    /// so the steps it ran are given to others soon; longer on networks that stall.
    /// </summary>
    public TimeSpan DeadSiloTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool IsCluster => Redis is not null;

    /// <summary>The silo port to bind: <see cref="SiloPort"/>, or its default; 0 when one is picked free at start.</summary>
    internal int SiloPortOrDefault => SiloPort ?? (IsCluster ? DefaultSiloPort : 0);

    /// <summary>The gateway port to bind, as <see cref="SiloPortOrDefault"/>.</summary>
    internal int GatewayPortOrDefault => GatewayPort ?? (IsCluster ? DefaultGatewayPort : 0);

    /// <summary>Throws an <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (Redis is { } redis && string.IsNullOrWhiteSpace(redis))
        {
            problems.Add("Redis must be host:port, not empty");
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || ClusterId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            problems.Add($"ClusterId \"{ClusterId}\" must be letters, digits, '-', '_' or '.'");
        }

        foreach (var (name, port) in new[] { ("SiloPort", SiloPort), ("GatewayPort", GatewayPort) })
        {
            if (port is < 0 or > 65535)
            {
                problems.Add($"{name} {port} is not a port (0-65535)");
            }
        }

        if (SiloPort is > 0 && SiloPort == GatewayPort)
        {
            problems.Add($"SiloPort and GatewayPort are both {SiloPort}");
        }

        if (AdvertisedAddress.Equals(IPAddress.Any) || AdvertisedAddress.Equals(IPAddress.IPv6Any))
        {
            problems.Add($"AdvertisedAddress {AdvertisedAddress} is not an address peers can dial");
        }

        if (DeadSiloTimeout < TimeSpan.FromSeconds(2))
        {
            problems.Add($"DeadSiloTimeout {DeadSiloTimeout.TotalSeconds} s is below 2 s: busy silos would be voted dead");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {nameof(FarmClusterOptions)}: {string.Join("; ", problems)}.");
        }
    }
}
