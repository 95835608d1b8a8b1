using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BuildFarm.Execution.Networking.Internal;

/// <summary>An IPv4 network, <c>address/prefix</c>, with the host bits cleared.</summary>
internal readonly record struct Ipv4Subnet
{
    public Ipv4Subnet(uint network, int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        PrefixLength = prefixLength;
        Network = network & Mask;
    }

    public uint Network { get; }

    public int PrefixLength { get; }

    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public ulong Size => 1UL << (32 - PrefixLength);

    /// <summary>Parses <c>a.b.c.d/n</c>; null when it is not one.</summary>
    public static Ipv4Subnet? TryParse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix > 32)
        {
            return null;
        }

        return new Ipv4Subnet(ToUInt32(address), prefix);
    }

    public static uint ToUInt32(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    public static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <summary>The <paramref name="index"/>th address of the network (0 is the network's own).</summary>
    public IPAddress Address(uint index) => ToAddress(Network + index);

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Subnet other) => Contains(other.Network) || other.Contains(Network);

    public override string ToString() => $"{ToAddress(Network)}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";
}
