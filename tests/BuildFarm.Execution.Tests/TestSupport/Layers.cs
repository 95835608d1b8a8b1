using System.Text;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tar;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>An entry of a layer as tests compare it: path, kind, mode, owner and (for files) content.</summary>
public sealed record LayerItem(string Name, TarEntryKind Kind, int Mode, long Uid, long Gid, string? Content = null)
{
    public static LayerItem File(string name, string content, int mode = 0b110_100_100, long uid = 0, long gid = 0) =>
        new(name, TarEntryKind.RegularFile, mode, uid, gid, content);

    public static LayerItem Directory(string name, int mode = 0b111_101_101, long uid = 0, long gid = 0) =>
        new(name, TarEntryKind.Directory, mode, uid, gid);

    /// <summary>A whiteout or opaque marker: an empty file with no mode or owner.</summary>
    public static LayerItem Marker(string name) => new(name, TarEntryKind.RegularFile, 0, 0, 0, string.Empty);
}

public static class Layers
{
    /// <summary>The entries of a layer blob in the store, after checking its digest, size and diffID.</summary>
    public static async Task<List<LayerItem>> ReadAsync(ContentStore store, LayerBlob layer)
    {
        Assert.Equal(layer.Descriptor.Size, store.GetInfo(layer.Descriptor.Digest)!.Size);
        var items = new List<LayerItem>();
        await using var blob = store.OpenRead(layer.Descriptor.Digest);
        await using var tar = new DigestingStream(LayerCompressionStreams.Decompress(blob, BuildFarm.Oci.Images.LayerCompression.Gzip));
        await using (var reader = new TarArchiveReader(tar, leaveOpen: true))
        {
            while (await reader.ReadNextAsync() is { } header)
            {
                string? content = null;
                if (header.Kind == TarEntryKind.RegularFile)
                {
                    using var text = new StreamReader(reader.Content, Encoding.UTF8, leaveOpen: true);
                    content = await text.ReadToEndAsync();
                }

                items.Add(new LayerItem(header.Name, header.Kind, header.Mode, header.Uid, header.Gid, content));
            }
        }

        await CountBytesAsync(tar);
        Assert.Equal(layer.DiffId, tar.Digest);
        Assert.Equal(layer.UncompressedSize, tar.BytesHashed);
        return items;
    }

    /// <summary>Makes a layer of the tree <paramref name="build"/> creates, and stores it.</summary>
    public static async Task<LayerBlob> WriteAsync(ContentStore store, Action<string> build)
    {
        using var tree = new TempDirectory("buildfarm-layer");
        build(tree.Path);
        using var blob = store.BeginWrite();
        var layer = await LayerWriter.WriteAsync(tree.Path, blob, new LayerWriterOptions { SourceDateEpoch = DateTimeOffset.UnixEpoch });
        await blob.CommitAsync();
        return layer;
    }

    public static async Task<long> CountBytesAsync(Stream stream)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
