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

    public NetworkNames(string dataDirectory)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory)));
        Id = Convert.ToHexStringLower(hash.AsSpan(0, 4));
        StartIndex = BitConverter.ToUInt32(hash, 4);
    }

    /// <summary>Eight hex digits: short enough for interface names (at most 15 characters).</summary>
    public string Id { get; }

    /// <summary>Where this engine starts looking for a free subnet, so that engines spread over the pool.</summary>
    public uint StartIndex { get; }

    public string Bridge => "bf" + Id;

    public string Table => "buildfarm_" + Id;

    public string NamespacePrefix => Bridge + "-";

    /// <summary><c>bf&lt;id&gt;-&lt;slot&gt;</c>, 13 characters: the namespace under <c>/run/netns</c> and the host end of its veth.</summary>
    public string Slot(int slot) => NamespacePrefix + slot.ToString("x2", CultureInfo.InvariantCulture);

    public string NamespacePath(int slot) => Path.Combine(NamespaceDirectory, Slot(slot));
}
