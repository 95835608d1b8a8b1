using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace BuildFarm.LoadTests.Farm;

/// <summary>
/// The farm servers the tool may send traffic to: exactly the addresses it was given, each an IP
/// literal or <c>localhost</c> (never looked up in DNS, so a name cannot lead elsewhere), and on
/// loopback unless the user allowed remote ones.
/// </summary>
public static partial class FarmTargets
{
    /// <summary>Parses <c>http://HOST:PORT</c> or <c>HOST:PORT</c> addresses, or says what is wrong with the first bad one.</summary>
    /// <exception cref="ArgumentException">An address is malformed, or not loopback without <paramref name="allowRemote"/>.</exception>
    public static IReadOnlyList<Uri> Parse(IEnumerable<string> addresses, bool allowRemote, string option = "--server")
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var targets = new List<Uri>();
        foreach (var address in addresses)
        {
            var target = ParseOne(address, option);
            if (!allowRemote && !IsLoopback(target))
            {
                throw new ArgumentException($"{option} {address} is not a loopback address (127.0.0.0/8, [::1] or localhost): the tool sends traffic only to this machine unless --allow-remote is given");
            }

            targets.Add(target);
        }

        return targets;
    }

    private static Uri ParseOne(string address, string option)
    {
        var text = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || !ExplicitPort().IsMatch(text) || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            throw new ArgumentException($"{option} {address} is not http://HOST:PORT (plain-text gRPC, an IP address or localhost, and a port)");
        }

        if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"{option} {address} names host {uri.Host}: give an IP address or localhost, so that the tool never follows a name elsewhere");
        }

        // localhost is pinned to 127.0.0.1 instead of asking the resolver what it means.
        var host = uri.HostNameType == UriHostNameType.Dns ? "127.0.0.1" : uri.Host;
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{uri.Port}/"));
    }

    // Uri takes a missing port for the scheme's default (80): the farm has no default port, so one must be written.
    [GeneratedRegex(@":[0-9]+/?$")]
    private static partial Regex ExplicitPort();

    private static bool IsLoopback(Uri target) => IPAddress.IsLoopback(IPAddress.Parse(target.Host.Trim('[', ']')));
}
