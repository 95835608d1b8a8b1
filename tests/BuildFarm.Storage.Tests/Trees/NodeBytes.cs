using System.Buffers;
using MessagePack;

namespace BuildFarm.Storage.Tests.Trees;

/// <summary>Writes node blobs by hand, including ones <see cref="Storage.Trees.TreeNode.Create"/> would never make.</summary>
internal static class NodeBytes
{
    /// <summary>A node <c>[version, [[name, kind, mode, uid, gid, size, digest, link], ...]]</c> with the given raw fields.</summary>
    public static byte[] Write(int version, params (string Name, int Kind, long Size, string? Digest, string? Link)[] entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(version);
        writer.WriteArrayHeader(entries.Length);
        foreach (var (name, kind, size, digest, link) in entries)
        {
            writer.WriteArrayHeader(8);
            writer.Write(name);
            writer.Write(kind);
            writer.Write(0x1A4);
            writer.Write(0u);
            writer.Write(0u);
            writer.Write(size);
            writer.Write(digest);
            writer.Write(link);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
