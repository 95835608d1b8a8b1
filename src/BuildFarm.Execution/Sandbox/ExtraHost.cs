using System.Net;

namespace BuildFarm.Execution.Sandbox;

/// <summary>A line a build adds to every RUN step's <c>/etc/hosts</c>: <c>--add-host NAME:IP</c>.</summary>
public sealed record ExtraHost(string Name, IPAddress Address)
{
    /// <summary>
    /// Parses buildx's <c>NAME:IP</c> (or <c>NAME=IP</c>): the name ends at the first <c>=</c>,
    /// else at the first <c>:</c>, so an IPv6 address may follow either.
    /// </summary>
    /// <exception cref="FormatException">Not a name and an IP address; the message quotes the value.</exception>
    public static ExtraHost Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var separator = value.IndexOf('=', StringComparison.Ordinal);
        if (separator < 0)
        {
            separator = value.IndexOf(':', StringComparison.Ordinal);
        }

        if (separator <= 0)
        {
            throw new FormatException($"invalid add-host \"{value}\": expected NAME:IP");
        }

        var name = value[..separator];
        var address = value[(separator + 1)..];
        if (name.Any(static c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '#'))
        {
            throw new FormatException($"invalid add-host \"{value}\": \"{name}\" is not a host name");
        }

        if (address.StartsWith('[') && address.EndsWith(']'))
        {
            address = address[1..^1];
        }

        return IPAddress.TryParse(address, out var parsed) && !address.Contains('%', StringComparison.Ordinal)
            ? new ExtraHost(name, parsed)
            : throw new FormatException($"invalid IP address in add-host: \"{address}\"");
    }

    /// <summary>The <c>NAME:IP</c> form it is parsed from.</summary>
    public override string ToString() => $"{Name}:{Address}";
}
