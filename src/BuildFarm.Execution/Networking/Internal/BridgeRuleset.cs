using System.Net;
using System.Text;

namespace BuildFarm.Execution.Networking.Internal;

/// <summary>
/// The nft table of an engine's step bridge. One table holds every rule, so that adding it is
/// atomic and deleting it removes them all. Base chains accept by default: they only police
/// traffic of this bridge, never anything else on the host.
/// </summary>
internal static class BridgeRuleset
{
    /// <summary>The set of addresses beyond this host that no step reaches: the farm's own machines.</summary>
    public const string ForbiddenSet = "forbidden";

    /// <param name="resolver">The host's loopback name server the gateway's port 53 leads to, or null.</param>
    /// <param name="forbidden">IPv4 addresses no step may reach through NAT (a cluster's other silos and Redis).</param>
    public static string Create(string table, string bridge, Ipv4Subnet subnet, IPAddress gateway, IPAddress? resolver, IReadOnlyCollection<IPAddress> forbidden)
    {
        var text = new StringBuilder();

        // Declaring, deleting and declaring again replaces a table left over, in one transaction.
        text.Append("table inet ").Append(table).Append('\n');
        text.Append("delete table inet ").Append(table).Append('\n');
        text.Append("table inet ").Append(table).Append(" {\n");
        text.Append($"  set {ForbiddenSet} {{\n    type ipv4_addr\n");
        if (forbidden.Count > 0)
        {
            text.Append($"    elements = {{ {string.Join(", ", forbidden)} }}\n");
        }

        text.Append("  }\n");

        // A host whose resolver listens on loopback only (systemd-resolved's 127.0.0.53, a local
        // dnsmasq): DNS to the gateway goes to that resolver (the bridge has route_localnet).
        text.Append("  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n");
        if (resolver is not null)
        {
            text.Append($"    iifname \"{bridge}\" ip daddr {gateway} meta l4proto {{ tcp, udp }} th dport 53 dnat ip to {resolver}\n");
        }

        text.Append("  }\n");

        // Outbound as Docker's: the host's address on the way out stands for the step.
        text.Append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        text.Append($"    ip saddr {subnet} oifname != \"{bridge}\" masquerade\n");
        text.Append("  }\n");

        // Nothing from a step reaches the host itself (any of its addresses, any port), but DNS
        // the gateway rewrote above: a packet sent to the resolver's address directly was not.
        text.Append("  chain input {\n    type filter hook input priority filter; policy accept;\n");
        if (resolver is not null)
        {
            text.Append($"    iifname \"{bridge}\" ct status dnat ip daddr {resolver} meta l4proto {{ tcp, udp }} th dport 53 accept\n");
        }

        text.Append($"    iifname \"{bridge}\" drop\n");
        text.Append("  }\n");

        // No step reaches another (the ports are isolated too; this holds when bridged frames are
        // filtered as IP), and nothing from elsewhere reaches a step but replies.
        text.Append("  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
        text.Append($"    iifname \"{bridge}\" oifname \"{bridge}\" drop\n");
        // Nor the farm's other machines: their silo, gateway, gRPC and metrics ports and Redis.
        // Refused rather than dropped, so that a step trying fails at once instead of timing out.
        text.Append($"    iifname \"{bridge}\" ip daddr @{ForbiddenSet} meta l4proto tcp reject with tcp reset\n");
        text.Append($"    iifname \"{bridge}\" ip daddr @{ForbiddenSet} reject with icmpx type admin-prohibited\n");
        text.Append($"    oifname \"{bridge}\" ct state established,related accept\n");
        text.Append($"    oifname \"{bridge}\" drop\n");
        text.Append("  }\n");
        text.Append("}\n");
        return text.ToString();
    }
}
