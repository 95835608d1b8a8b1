using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BuildFarm.Execution.Networking.Internal;

/// <summary>
/// The host-wide names of one engine's network objects: its bridge, nft table, and each step's
/// network namespace and veth. They derive from the data directory, so that engines running side
/// by side never collide and the next start on a data directory finds what a crashed one left.
/// </summary>
internal sealed class NetworkNames
{
    public const string NamespaceDirectory = "/run/netns";

    private const string BridgePrefix = "bf";
    private const string TablePrefix = "buildfarm_";
    private const int IdLength = 8;

    public NetworkNames(string dataDirectory)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory)));
        Id = Convert.ToHexStringLower(hash.AsSpan(0, 4));
        StartIndex = BitConverter.ToUInt32(hash, 4);
    }

    private NetworkNames(string id, uint startIndex)
    {
        Id = id;
        StartIndex = startIndex;
    }

    /// <summary>Eight hex digits: short enough for interface names (at most 15 characters).</summary>
    public string Id { get; }

    /// <summary>Where this engine starts looking for a free subnet, so that engines spread over the pool.</summary>
    public uint StartIndex { get; }

    public string Bridge => BridgePrefix + Id;

    public string Table => TablePrefix + Id;

    public string NamespacePrefix => Bridge + "-";

    /// <summary><c>bf&lt;id&gt;-&lt;slot&gt;</c>, 13 characters: the namespace under <c>/run/netns</c> and the host end of its veth.</summary>
    public string Slot(int slot) => NamespacePrefix + slot.ToString("x2", CultureInfo.InvariantCulture);

    public string NamespacePath(int slot) => Path.Combine(NamespaceDirectory, Slot(slot));

    /// <summary>The names of the engine whose bridge, nft table or step namespace is called <paramref name="name"/>; null for a name of none.</summary>
    public static NetworkNames? Owning(string name)
    {
        var prefix = name.StartsWith(TablePrefix, StringComparison.Ordinal) ? TablePrefix
            : name.StartsWith(BridgePrefix, StringComparison.Ordinal) ? BridgePrefix
            : null;
        if (prefix is null || name.Length < prefix.Length + IdLength)
        {
            return null;
        }

        var id = name.Substring(prefix.Length, IdLength);
        var rest = name[(prefix.Length + IdLength)..];
        var isNamespace = prefix == BridgePrefix && rest.Length == 3 && rest[0] == '-' && rest[1..].All(char.IsAsciiHexDigitLower);
        return id.All(char.IsAsciiHexDigitLower) && (rest.Length == 0 || isNamespace) ? new NetworkNames(id, 0) : null;
    }
}
