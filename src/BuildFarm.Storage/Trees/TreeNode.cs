using System.Buffers;
using BuildFarm.Oci;
using BuildFarm.Oci.Layers.Internal;
using MessagePack;

namespace BuildFarm.Storage.Trees;

/// <summary>
/// One directory of a content tree (a Merkle tree): its entries sorted by the UTF-8 bytes of
/// their names, each naming its content by digest. A node is stored as a MessagePack blob
/// addressed by its sha256, so the root node's digest identifies the whole tree, and two trees
/// share every unchanged directory.
/// </summary>
/// <remarks>
/// The encoding is fixed so the same directory always gives the same bytes:
/// <c>[1, [[name, kind, mode, uid, gid, size, digest|nil, linkTarget|nil], ...]]</c>, integers
/// in MessagePack's shortest form, names in UTF-8.
/// </remarks>
public sealed class TreeNode
{
    /// <summary>The version number that opens every node.</summary>
    public const int FormatVersion = 1;

    private const int EntryFields = 8;

    private TreeNode(IReadOnlyList<TreeEntry> entries, byte[] bytes)
    {
        Entries = entries;
        Bytes = bytes;
        Digest = Digest.Sha256(bytes);
    }

    /// <summary>The entries in name order.</summary>
    public IReadOnlyList<TreeEntry> Entries { get; }

    /// <summary>The node's encoded bytes: the blob stored under <see cref="Digest"/>.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The sha256 of <see cref="Bytes"/>.</summary>
    public Digest Digest { get; }

    /// <summary>The entry for a directory that holds this node.</summary>
    public TreeEntry AsDirectory(string name, int mode, uint uid, uint gid) =>
        TreeEntry.Directory(name, mode, uid, gid, Bytes.Length, Digest);

    /// <summary>Makes the node of a directory with these entries, in any order.</summary>
    /// <exception cref="ArgumentException">An entry is invalid, or two have the same name.</exception>
    public static TreeNode Create(IEnumerable<TreeEntry> entries)
    {
        var sorted = entries.ToList();
        sorted.Sort(static (a, b) => Utf8PathComparer.Instance.Compare(a.Name, b.Name));
        for (var i = 0; i < sorted.Count; i++)
        {
            if (sorted[i].Problem() is { } problem)
            {
                throw new ArgumentException($"A tree entry is invalid: {problem}.", nameof(entries));
            }

            if (i > 0 && sorted[i - 1].Name == sorted[i].Name)
            {
                throw new ArgumentException($"A tree node cannot hold the name \"{sorted[i].Name}\" twice.", nameof(entries));
            }
        }

        return new TreeNode(sorted, Encode(sorted));
    }

    /// <summary>Reads a node blob, checking everything <see cref="Create"/> guarantees.</summary>
    /// <param name="bytes">The blob.</param>
    /// <param name="digest">The digest it was stored under, for errors; null when unknown.</param>
    /// <exception cref="TreeFormatException">The bytes are not a well-formed node.</exception>
    public static TreeNode Parse(ReadOnlyMemory<byte> bytes, Digest? digest = null)
    {
        List<TreeEntry> entries;
        try
        {
            entries = Decode(bytes);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new TreeFormatException(digest, $"not a MessagePack node ({ex.Message})", ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new TreeFormatException(digest, "it ends early", ex);
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Problem() is { } problem)
            {
                throw new TreeFormatException(digest, problem);
            }

            if (i > 0 && Utf8PathComparer.Instance.Compare(entries[i - 1].Name, entries[i].Name) >= 0)
            {
                throw new TreeFormatException(digest, $"\"{entries[i].Name}\" follows \"{entries[i - 1].Name}\": names must be unique and in UTF-8 byte order");
            }
        }

        return new TreeNode(entries, bytes.ToArray());
    }

    private static byte[] Encode(List<TreeEntry> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(FormatVersion);
        writer.WriteArrayHeader(entries.Count);
        foreach (var entry in entries)
        {
            writer.WriteArrayHeader(EntryFields);
            writer.Write(entry.Name);
            writer.Write((int)entry.Kind);
            writer.Write(entry.Mode);
            writer.Write(entry.Uid);
            writer.Write(entry.Gid);
            writer.Write(entry.Size);
            if (entry.Digest is { } digest)
            {
                writer.Write(digest.ToString());
            }
            else
            {
                writer.WriteNil();
            }

            writer.Write(entry.LinkTarget);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static List<TreeEntry> Decode(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.ReadArrayHeader() != 2)
        {
            throw new MessagePackSerializationException("expected [version, entries]");
        }

        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new MessagePackSerializationException($"version {version} is not supported (expected {FormatVersion})");
        }

        var count = reader.ReadArrayHeader();
        var entries = new List<TreeEntry>(Math.Min(count, 4096));
        for (var i = 0; i < count; i++)
        {
            if (reader.ReadArrayHeader() != EntryFields)
            {
                throw new MessagePackSerializationException($"entry {i} does not have {EntryFields} fields");
            }

            var name = reader.ReadString() ?? string.Empty;
            var kind = (TreeEntryKind)reader.ReadInt32();
            var mode = reader.ReadInt32();
            var uid = reader.ReadUInt32();
            var gid = reader.ReadUInt32();
            var size = reader.ReadInt64();
            var digestText = reader.ReadString();
            var linkTarget = reader.ReadString();
            Digest? digest = null;
            if (digestText is not null)
            {
                digest = Digest.TryParse(digestText, out var parsed) && parsed.Algorithm == "sha256"
                    ? parsed
                    : throw new MessagePackSerializationException($"\"{name}\" has the invalid digest \"{digestText}\"");
            }

            entries.Add(new TreeEntry(name, kind, mode, uid, gid, size, digest, linkTarget));
        }

        if (!reader.End)
        {
            throw new MessagePackSerializationException("bytes follow the node");
        }

        return entries;
    }
}
