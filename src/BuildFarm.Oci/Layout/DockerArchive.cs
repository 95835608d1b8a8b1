using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Layout.Internal;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layout;

/// <summary>
/// The <c>docker save</c> / <c>docker load</c> archive: <c>manifest.json</c> (Config, RepoTags,
/// Layers), the config as <c>&lt;hex&gt;.json</c> and each layer as an uncompressed
/// <c>&lt;diffID hex&gt;/layer.tar</c>. The legacy per-layer <c>json</c>/<c>VERSION</c> files are
/// not written: docker load has read manifest.json instead since Docker 1.10, and skopeo never
/// needed them.
/// </summary>
public static class DockerArchive
{
    private const string ManifestFile = "manifest.json";

    /// <summary>Writes single-platform images (manifests, not indexes); compressed layers are decompressed on the way.</summary>
    public static async Task ExportAsync(IBlobReader source, IReadOnlyList<TaggedImage> images, Stream destination, CancellationToken cancellationToken = default)
    {
        var plans = new List<(ImageManifest Manifest, ImageConfig Config, Descriptor ConfigDescriptor)>();
        var entries = new List<DockerArchiveManifest>();
        foreach (var image in images)
        {
            if (!MediaTypes.IsManifest(image.Descriptor.MediaType))
            {
                throw new InvalidDataException($"A docker archive holds single-platform images; {image.Descriptor.Digest} is a '{image.Descriptor.MediaType}'.");
            }

            var (manifest, config) = await source.ReadImageAsync(image.Descriptor, cancellationToken).ConfigureAwait(false);
            if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            {
                throw new InvalidDataException($"Image {image.Descriptor.Digest} has {manifest.Layers.Count} layers but its config lists {config.RootFs.DiffIds.Count} diff_ids.");
            }

            plans.Add((manifest, config, manifest.Config));
            entries.Add(new DockerArchiveManifest
            {
                Config = $"{manifest.Config.Digest.Hex}.json",
                RepoTags = image.Tags.Count == 0 ? null : image.Tags,
                Layers = config.RootFs.DiffIds.Select(d => $"{d.Hex}/layer.tar").ToList(),
            });
        }

        await using var tar = new TarArchiveWriter(destination, leaveOpen: true);
        await ArchiveEntries.WriteFileAsync(tar, ManifestFile, DockerArchiveManifest.Serialize(entries), cancellationToken).ConfigureAwait(false);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (manifest, config, configDescriptor) in plans)
        {
            if (written.Add(configDescriptor.Digest.Hex))
            {
                await ArchiveEntries.WriteBlobAsync(tar, $"{configDescriptor.Digest.Hex}.json", source, configDescriptor, cancellationToken).ConfigureAwait(false);
            }

            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                var diffId = config.RootFs.DiffIds[i];
                if (written.Add(diffId.Hex))
                {
                    await ArchiveEntries.WriteDirectoryAsync(tar, $"{diffId.Hex}/", cancellationToken).ConfigureAwait(false);
                    await WriteUncompressedLayerAsync(tar, $"{diffId.Hex}/layer.tar", source, manifest.Layers[i], diffId, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a docker archive in one pass, whatever its entry order (docker save puts manifest.json
    /// last): each file goes to the store as it comes, then manifest.json says which are configs and
    /// layers. Each image gets an OCI manifest, stored too, whose layers are checked against the
    /// config's diff_ids.
    /// </summary>
    public static async Task<IReadOnlyList<TaggedImage>> ImportAsync(Stream source, IBlobStore destination, CancellationToken cancellationToken = default)
    {
        byte[]? manifestJson = null;
        var files = new Dictionary<string, (Digest Digest, long Size, LayerCompression Compression)>(StringComparer.Ordinal);
        await using (var tar = new TarArchiveReader(source, leaveOpen: true))
        {
            while (await tar.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } header)
            {
                var name = ArchiveEntries.NormalizeName(header.Name);
                if (header.Kind != TarEntryKind.RegularFile || IsLegacyMetadata(name))
                {
                    continue;
                }

                if (name == ManifestFile)
                {
                    manifestJson = await ArchiveEntries.ReadSmallAsync(tar, header, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var start = new byte[4];
                var startLength = await tar.Content.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                await using var upload = await destination.BeginUploadAsync(cancellationToken).ConfigureAwait(false);
                await upload.Stream.WriteAsync(start.AsMemory(0, startLength), cancellationToken).ConfigureAwait(false);
                await tar.Content.CopyToAsync(upload.Stream, 1 << 20, cancellationToken).ConfigureAwait(false);
                var digest = await upload.CommitAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                files[name] = (digest, header.Size, LayerCompressionStreams.Detect(start.AsSpan(0, startLength)));
            }
        }

        var entries = DockerArchiveManifest.Parse(manifestJson ?? throw new InvalidDataException("Docker archive has no manifest.json."));
        var images = new List<TaggedImage>();
        foreach (var entry in entries)
        {
            images.Add(await ImportImageAsync(entry, files, destination, cancellationToken).ConfigureAwait(false));
        }

        return images;
    }

    private static async Task<TaggedImage> ImportImageAsync(DockerArchiveManifest entry, Dictionary<string, (Digest Digest, long Size, LayerCompression Compression)> files, IBlobStore store, CancellationToken cancellationToken)
    {
        (Digest Digest, long Size, LayerCompression Compression) FileOf(string path) =>
            files.TryGetValue(ArchiveEntries.NormalizeName(path), out var file) ? file : throw new InvalidDataException($"Docker archive: manifest.json names '{path}', which the archive does not have.");

        var configFile = FileOf(entry.Config);
        var configDescriptor = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configFile.Digest, Size = configFile.Size };
        var config = ImageConfig.Parse(await store.ReadDocumentAsync(configDescriptor, cancellationToken).ConfigureAwait(false));
        if (config.RootFs.DiffIds.Count != entry.Layers.Count)
        {
            throw new InvalidDataException($"Docker archive: image '{entry.Config}' lists {entry.Layers.Count} layers but its config has {config.RootFs.DiffIds.Count} diff_ids.");
        }

        var layers = new List<Descriptor>();
        for (var i = 0; i < entry.Layers.Count; i++)
        {
            var layer = FileOf(entry.Layers[i]);
            var diffId = layer.Compression == LayerCompression.None ? layer.Digest : (await MeasureUncompressedAsync(store, layer.Digest, layer.Compression, cancellationToken).ConfigureAwait(false)).DiffId;
            if (diffId != config.RootFs.DiffIds[i])
            {
                throw new InvalidDataException($"Docker archive: layer '{entry.Layers[i]}' has the diffID {diffId}, but the config lists {config.RootFs.DiffIds[i]}.");
            }

            layers.Add(new Descriptor { MediaType = MediaTypes.OciLayerFor(layer.Compression), Digest = layer.Digest, Size = layer.Size });
        }

        var manifest = new ImageManifest { Config = configDescriptor, Layers = layers };
        var manifestDescriptor = await store.WriteBlobAsync(MediaTypes.OciManifest, manifest.ToJson(), cancellationToken).ConfigureAwait(false);
        return new TaggedImage(manifestDescriptor, entry.RepoTags ?? []);
    }

    /// <summary>docker save's per-layer json and VERSION and its repositories file repeat what manifest.json says.</summary>
    private static bool IsLegacyMetadata(string name) =>
        name == "repositories" || name.EndsWith("/json", StringComparison.Ordinal) || name.EndsWith("/VERSION", StringComparison.Ordinal);

    /// <summary>The digest and length of a layer blob's uncompressed tar, streaming.</summary>
    private static async Task<(Digest DiffId, long Size)> MeasureUncompressedAsync(IBlobReader store, Digest digest, LayerCompression compression, CancellationToken cancellationToken)
    {
        await using var blob = await store.OpenReadAsync(digest, cancellationToken).ConfigureAwait(false);
        await using var uncompressed = LayerCompressionStreams.Decompress(blob, compression);
        await using var hashing = new DigestingStream(Stream.Null);
        await uncompressed.CopyToAsync(hashing, 1 << 20, cancellationToken).ConfigureAwait(false);
        return (hashing.Digest, hashing.BytesHashed);
    }

    /// <summary>
    /// A tar header needs the size first, so a compressed layer is read twice: once to count (and
    /// check the diffID), once to copy. Nothing is buffered whole.
    /// </summary>
    private static async Task WriteUncompressedLayerAsync(TarArchiveWriter tar, string name, IBlobReader source, Descriptor layer, Digest diffId, CancellationToken cancellationToken)
    {
        var compression = MediaTypes.GetLayerCompression(layer.MediaType);
        var (actual, size) = await MeasureUncompressedAsync(source, layer.Digest, compression, cancellationToken).ConfigureAwait(false);
        if (actual != diffId)
        {
            throw new InvalidDataException($"Layer {layer.Digest} uncompresses to {actual}, but the config lists the diffID {diffId}.");
        }

        await using var again = await source.OpenReadAsync(layer.Digest, cancellationToken).ConfigureAwait(false);
        await using var content = LayerCompressionStreams.Decompress(again, compression);
        await tar.WriteEntryAsync(new TarHeader { Name = name, Kind = TarEntryKind.RegularFile, Mode = 0b110_100_100, Size = size }, content, cancellationToken).ConfigureAwait(false);
    }
}
