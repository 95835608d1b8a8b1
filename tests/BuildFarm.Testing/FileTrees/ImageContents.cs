using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace BuildFarm.Testing.FileTrees;

/// <summary>
/// An image as a user of it sees it: the file tree its layers make, applied in order with their
/// whiteouts, and its config document. Read from an OCI image layout with the BCL's tar reader,
/// apart from the product's own layer code, so that a test reading a built image this way checks
/// that code rather than trusting it.
/// </summary>
public sealed record ImageContents(FileTree Tree, JsonDocument Config)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>Reads the one image of an OCI layout directory (its <c>index.json</c>'s only manifest, or an index's first).</summary>
    public static async Task<ImageContents> ReadLayoutAsync(string layoutDirectory)
    {
        using var index = await ReadJsonAsync(Path.Combine(layoutDirectory, "index.json"));
        var manifestDigest = index.RootElement.GetProperty("manifests").EnumerateArray().Single().GetProperty("digest").GetString()!;
        var manifest = await ReadJsonAsync(BlobPath(layoutDirectory, manifestDigest));
        while (manifest.RootElement.TryGetProperty("manifests", out var nested))
        {
            var first = nested[0].GetProperty("digest").GetString()!;
            manifest.Dispose();
            manifest = await ReadJsonAsync(BlobPath(layoutDirectory, first));
        }

        using (manifest)
        {
            var entries = new Dictionary<string, FileTreeEntry>(StringComparer.Ordinal);
            foreach (var layer in manifest.RootElement.GetProperty("layers").EnumerateArray())
            {
                await ApplyLayerAsync(
                    entries,
                    BlobPath(layoutDirectory, layer.GetProperty("digest").GetString()!),
                    layer.GetProperty("mediaType").GetString()!);
            }

            var config = await ReadJsonAsync(BlobPath(layoutDirectory, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!));
            return new ImageContents(new FileTree(entries.Values), config);
        }
    }

    /// <summary>Reads the image of an OCI archive (<c>farm build -o type=oci</c>), unpacking it into <paramref name="scratchDirectory"/>.</summary>
    public static async Task<ImageContents> ReadArchiveAsync(string archivePath, string scratchDirectory)
    {
        Directory.CreateDirectory(scratchDirectory);
        await TarFile.ExtractToDirectoryAsync(archivePath, scratchDirectory, overwriteFiles: false);
        return await ReadLayoutAsync(scratchDirectory);
    }

    private static string BlobPath(string layoutDirectory, string digest)
    {
        var (algorithm, hex) = (digest[..digest.IndexOf(':', StringComparison.Ordinal)], digest[(digest.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        return Path.Combine(layoutDirectory, "blobs", algorithm, hex);
    }

    private static async Task<JsonDocument> ReadJsonAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return await JsonDocument.ParseAsync(file);
    }

    /// <summary>
    /// Applies one layer: its whiteouts and opaque markers remove what the layers below had (never
    /// what this layer adds, whatever the order of its entries), then its entries replace those of
    /// the same path. A hard link gets the content of the entry it names; which paths share an
    /// inode is not kept.
    /// </summary>
    private static async Task ApplyLayerAsync(Dictionary<string, FileTreeEntry> entries, string blobPath, string mediaType)
    {
        await using var blob = File.OpenRead(blobPath);
        await using Stream tar = mediaType.EndsWith("+gzip", StringComparison.Ordinal) ? new GZipStream(blob, CompressionMode.Decompress) : blob;
        await using var reader = new TarReader(tar);
        var added = new List<FileTreeEntry>();
        var removed = new List<string>();
        var opaque = new List<string>();
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            var path = Normalize(entry.Name);
            var name = path[(path.LastIndexOf('/') + 1)..];
            var parent = path.Contains('/', StringComparison.Ordinal) ? path[..path.LastIndexOf('/')] : string.Empty;
            if (name == OpaqueMarker)
            {
                opaque.Add(parent);
            }
            else if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                removed.Add(Join(parent, name[WhiteoutPrefix.Length..]));
            }
            else
            {
                added.Add(await ToEntryAsync(entry, path, added, entries));
            }
        }

        foreach (var directory in opaque)
        {
            RemoveBelow(entries, directory);
        }

        foreach (var path in removed)
        {
            entries.Remove(path);
            RemoveBelow(entries, path);
        }

        foreach (var entry in added)
        {
            if (entry.Kind != FileKind.Directory)
            {
                RemoveBelow(entries, entry.Path);
            }

            entries[entry.Path] = entry;
        }
    }

    private static async Task<FileTreeEntry> ToEntryAsync(TarEntry entry, string path, List<FileTreeEntry> addedSoFar, Dictionary<string, FileTreeEntry> below)
    {
        var mode = (int)entry.Mode & 0b111_111_111_111;
        return entry.EntryType switch
        {
            TarEntryType.Directory => new FileTreeEntry(path, FileKind.Directory, mode, entry.Uid, entry.Gid),
            TarEntryType.SymbolicLink => new FileTreeEntry(path, FileKind.Symlink, mode, entry.Uid, entry.Gid, LinkTarget: entry.LinkName),
            TarEntryType.HardLink => LinkTarget(entry, addedSoFar, below) with { Path = path },
            TarEntryType.RegularFile or TarEntryType.V7RegularFile => FileTreeEntry.FromContent(path, await ReadAllAsync(entry.DataStream), mode, entry.Uid, entry.Gid),
            TarEntryType.Fifo => new FileTreeEntry(path, FileKind.Fifo, mode, entry.Uid, entry.Gid),
            TarEntryType.CharacterDevice => new FileTreeEntry(path, FileKind.CharDevice, mode, entry.Uid, entry.Gid),
            TarEntryType.BlockDevice => new FileTreeEntry(path, FileKind.BlockDevice, mode, entry.Uid, entry.Gid),
            _ => throw new InvalidDataException($"The layer entry '{entry.Name}' is of a kind ({entry.EntryType}) images do not hold."),
        };
    }

    private static FileTreeEntry LinkTarget(TarEntry entry, List<FileTreeEntry> addedSoFar, Dictionary<string, FileTreeEntry> below)
    {
        var target = Normalize(entry.LinkName);
        return addedSoFar.LastOrDefault(e => e.Path == target) ?? below.GetValueOrDefault(target)
            ?? throw new InvalidDataException($"The layer's hard link '{entry.Name}' names '{entry.LinkName}', which no layer holds.");
    }

    private static async Task<byte[]> ReadAllAsync(Stream? content)
    {
        if (content is null)
        {
            return [];
        }

        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static void RemoveBelow(Dictionary<string, FileTreeEntry> entries, string directory)
    {
        var prefix = directory.Length == 0 ? string.Empty : directory + "/";
        foreach (var path in entries.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal) && p != directory).ToList())
        {
            entries.Remove(path);
        }
    }

    private static string Normalize(string name)
    {
        var path = name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name;
        return path.TrimStart('/').TrimEnd('/');
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}/{name}";
}
