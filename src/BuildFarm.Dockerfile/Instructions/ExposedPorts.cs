using System.Globalization;
using System.Net;

namespace BuildFarm.Dockerfile.Instructions;

/// <summary>
/// Reads EXPOSE words (<c>80</c>, <c>53/udp</c>, <c>8000-8002/tcp</c>) into the
/// <c>port/proto</c> keys of the image config, with BuildKit's rules and messages. Like BuildKit
/// it tolerates the <c>[ip:]host:container</c> form and exposes the container part.
/// </summary>
public static class ExposedPorts
{
    /// <summary>Every exposed port, ranges unrolled, protocols in lower case, in the order written.</summary>
    /// <exception cref="FormatException">A word is not a port specification; the message is BuildKit's.</exception>
    public static IReadOnlyList<string> Parse(IEnumerable<string> words)
    {
        var ports = new List<string>();
        foreach (var word in words)
        {
            ports.AddRange(ParseOne(word));
        }

        return ports;
    }

    private static IEnumerable<string> ParseOne(string raw)
    {
        var parts = raw.Split(':');
        var (ip, hostPort, containerPart) = parts.Length switch
        {
            1 => (string.Empty, string.Empty, parts[0]),
            2 => (string.Empty, parts[0], parts[1]),
            _ => (string.Join(':', parts[..^2]), parts[^2], parts[^1]),
        };

        var slash = containerPart.IndexOf('/', StringComparison.Ordinal);
        var containerPort = slash < 0 ? containerPart : containerPart[..slash];
        var protocol = slash < 0 ? string.Empty : containerPart[(slash + 1)..];
        if (containerPort.Length == 0)
        {
            throw new FormatException($"invalid port: \"{raw}\": no port specified");
        }

        protocol = protocol.ToLowerInvariant() switch
        {
            "" => "tcp",
            "tcp" or "udp" or "sctp" => protocol,
            _ => throw new FormatException($"invalid port: \"{raw}\": invalid proto: {protocol}"),
        };

        if (ip.StartsWith('[') && ip.EndsWith(']'))
        {
            ip = ip[1..^1];
        }

        if (ip.Length != 0 && !IPAddress.TryParse(ip, out _))
        {
            throw new FormatException($"invalid IP address: {ip}");
        }

        var (start, end) = Range(containerPort) ?? throw new FormatException($"invalid containerPort: {containerPort}");
        if (hostPort.Length != 0)
        {
            var (hostStart, hostEnd) = Range(hostPort) ?? throw new FormatException($"invalid hostPort: {hostPort}");
            if (end - start != hostEnd - hostStart && end != start)
            {
                throw new FormatException($"invalid ranges specified for container and host Ports: {containerPort} and {hostPort}");
            }
        }

        var lower = protocol.ToLowerInvariant();
        return Enumerable.Range(start, end - start + 1).Select(port => $"{port.ToString(CultureInfo.InvariantCulture)}/{lower}");
    }

    private static (int Start, int End)? Range(string text)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var startText = dash < 0 ? text : text[..dash];
        if (Number(startText) is not { } start)
        {
            return null;
        }

        if (dash < 0 || startText == text[(dash + 1)..])
        {
            return (start, start);
        }

        return Number(text[(dash + 1)..]) is { } end && end >= start ? (start, end) : null;
    }

    private static int? Number(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535 ? port : null;
}
