using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace BuildFarm.Execution.Networking.Internal;

/// <summary>
/// Picks the /24 of an engine's step bridge: the first one of the pool, from the engine's own
/// starting point, that overlaps nothing the host routes to (its own networks, other engines'
/// bridges, VPNs) nor its name servers. Engines on one host choose one at a time (under
/// <see cref="HostNetworkLock"/>, held until the bridge has its address), so two never take the same one.
/// </summary>
internal static class SubnetAllocator
{
    public const int PrefixLength = 24;

    private const string RoutesPath = "/proc/net/route";

    /// <summary>Chooses a subnet and passes it to <paramref name="claim"/> (which gives the bridge its address) under the host-wide lock.</summary>
    /// <exception cref="InvalidOperationException">Every /24 of the pool is in use.</exception>
    public static async Task<Ipv4Subnet> ClaimAsync(Ipv4Subnet pool, uint startIndex, IEnumerable<Ipv4Subnet> alsoTaken, Func<Ipv4Subnet, Task> claim)
    {
        await using var hostLock = await HostNetworkLock.AcquireAsync().ConfigureAwait(false);
        var subnet = Choose(pool, startIndex, [.. ReadRoutes(), .. alsoTaken])
            ?? throw new InvalidOperationException($"No /{PrefixLength} of the step subnet pool {pool} is free on this host: every one overlaps a route or a name server.");
        await claim(subnet).ConfigureAwait(false);
        return subnet;
    }

    /// <summary>The first /24 of <paramref name="pool"/>, counting on from <paramref name="startIndex"/>, that overlaps none of <paramref name="taken"/>.</summary>
    public static Ipv4Subnet? Choose(Ipv4Subnet pool, uint startIndex, IReadOnlyList<Ipv4Subnet> taken)
    {
        var count = (uint)(pool.Size >> (32 - PrefixLength));
        for (uint i = 0; i < count; i++)
        {
            var candidate = new Ipv4Subnet(pool.Network + (((startIndex + i) % count) << (32 - PrefixLength)), PrefixLength);
            if (!taken.Any(candidate.Overlaps))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The destinations of the main routing table, but the default route.</summary>
    public static IReadOnlyList<Ipv4Subnet> ReadRoutes()
    {
        var routes = new List<Ipv4Subnet>();
        foreach (var line in File.ReadLines(RoutesPath).Skip(1))
        {
            // Iface Destination Gateway Flags RefCnt Use Metric Mask ...: addresses in hex, in the host's byte order.
            var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8
                || !uint.TryParse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var destination)
                || !uint.TryParse(fields[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
            {
                continue;
            }

            if (BitConverter.IsLittleEndian)
            {
                destination = BinaryPrimitives.ReverseEndianness(destination);
                mask = BinaryPrimitives.ReverseEndianness(mask);
            }

            if (mask != 0)
            {
                routes.Add(new Ipv4Subnet(destination, BitOperations.PopCount(mask)));
            }
        }

        return routes;
    }
}
