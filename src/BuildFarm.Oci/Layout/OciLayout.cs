using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layout.Internal;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layout;

/// <summary>
/// The OCI image layout (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>), as a
/// directory and as a tar (skopeo's <c>oci-archive</c>). Names are the
/// <c>org.opencontainers.image.ref.name</c> annotations of index.json. Blobs stream from a reader
/// to a writer; every one is checked against its digest on the way.
/// </summary>
public static class OciLayout
{
    public static async Task ExportToDirectoryAsync(IBlobReader source, IReadOnlyList<TaggedImage> images, string directory, CancellationToken cancellationToken = default)
    {
        var blobs = new DirectoryBlobStore(Path.Combine(directory, OciLayoutFiles.BlobsDirectory));
        foreach (var descriptor in await ImageGraph.CollectAsync(source, images.Select(i => i.Descriptor), cancellationToken).ConfigureAwait(false))
        {
            if (await blobs.ExistsAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await using var content = await source.OpenReadAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false);
            await blobs.WriteBlobAsync(content, descriptor.Digest, cancellationToken).ConfigureAwait(false);
        }

        await File.WriteAllBytesAsync(Path.Combine(directory, OciLayoutFiles.LayoutFile), OciLayoutFiles.LayoutJson, cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(directory, OciLayoutFiles.IndexFile), OciLayoutFiles.IndexJson(images), cancellationToken).ConfigureAwait(false);
    }

    public static async Task<IReadOnlyList<TaggedImage>> ImportFromDirectoryAsync(string directory, IBlobStore destination, CancellationToken cancellationToken = default)
    {
        OciLayoutFiles.VerifyLayout(await ReadLayoutFileAsync(directory, OciLayoutFiles.LayoutFile, cancellationToken).ConfigureAwait(false));
        var images = OciLayoutFiles.ImagesOf(ImageIndex.Parse(await ReadLayoutFileAsync(directory, OciLayoutFiles.IndexFile, cancellationToken).ConfigureAwait(false)));
        var blobs = new DirectoryBlobStore(Path.Combine(directory, OciLayoutFiles.BlobsDirectory));
        foreach (var descriptor in await ImageGraph.CollectAsync(blobs, images.Select(i => i.Descriptor), cancellationToken).ConfigureAwait(false))
        {
            if (await destination.ExistsAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await using var content = await blobs.OpenReadAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false);
            await destination.WriteBlobAsync(content, descriptor.Digest, cancellationToken).ConfigureAwait(false);
        }

        return images;
    }

    /// <summary>Writes the layout as one tar stream, entries in a fixed order: oci-layout, index.json, blobs (parents first).</summary>
    public static async Task ExportToTarAsync(IBlobReader source, IReadOnlyList<TaggedImage> images, Stream destination, CancellationToken cancellationToken = default)
    {
        var descriptors = await ImageGraph.CollectAsync(source, images.Select(i => i.Descriptor), cancellationToken).ConfigureAwait(false);
        await using var tar = new TarArchiveWriter(destination, leaveOpen: true);
        await ArchiveEntries.WriteFileAsync(tar, OciLayoutFiles.LayoutFile, OciLayoutFiles.LayoutJson, cancellationToken).ConfigureAwait(false);
        await ArchiveEntries.WriteFileAsync(tar, OciLayoutFiles.IndexFile, OciLayoutFiles.IndexJson(images), cancellationToken).ConfigureAwait(false);
        await ArchiveEntries.WriteDirectoryAsync(tar, $"{OciLayoutFiles.BlobsDirectory}/", cancellationToken).ConfigureAwait(false);
        foreach (var algorithm in descriptors.Select(d => d.Digest.Algorithm).Distinct())
        {
            await ArchiveEntries.WriteDirectoryAsync(tar, $"{OciLayoutFiles.BlobsDirectory}/{algorithm}/", cancellationToken).ConfigureAwait(false);
        }

        foreach (var descriptor in descriptors)
        {
            await ArchiveEntries.WriteBlobAsync(tar, $"{OciLayoutFiles.BlobsDirectory}/{descriptor.Digest.Algorithm}/{descriptor.Digest.Hex}", source, descriptor, cancellationToken).ConfigureAwait(false);
        }

        await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a layout tar in one pass, whatever its entry order: blobs go to the store as they come
    /// (each checked against the digest its name gives), then the images of index.json are checked
    /// to be complete.
    /// </summary>
    public static async Task<IReadOnlyList<TaggedImage>> ImportFromTarAsync(Stream source, IBlobStore destination, CancellationToken cancellationToken = default)
    {
        byte[]? layout = null, index = null;
        await using (var tar = new TarArchiveReader(source, leaveOpen: true))
        {
            while (await tar.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } header)
            {
                if (header.Kind != TarEntryKind.RegularFile)
                {
                    continue;
                }

                var name = ArchiveEntries.NormalizeName(header.Name);
                switch (name)
                {
                    case OciLayoutFiles.LayoutFile:
                        layout = await ArchiveEntries.ReadSmallAsync(tar, header, cancellationToken).ConfigureAwait(false);
                        break;
                    case OciLayoutFiles.IndexFile:
                        index = await ArchiveEntries.ReadSmallAsync(tar, header, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        if (BlobDigestOf(name) is { } digest && !await destination.ExistsAsync(digest, cancellationToken).ConfigureAwait(false))
                        {
                            await destination.WriteBlobAsync(tar.Content, digest, cancellationToken).ConfigureAwait(false);
                        }


                        break;
                }
            }
        }

        OciLayoutFiles.VerifyLayout(layout ?? throw new InvalidDataException("OCI archive has no oci-layout file."));
        var images = OciLayoutFiles.ImagesOf(ImageIndex.Parse(index ?? throw new InvalidDataException("OCI archive has no index.json.")));
        foreach (var descriptor in await ImageGraph.CollectAsync(destination, images.Select(i => i.Descriptor), cancellationToken).ConfigureAwait(false))
        {
            if (!await destination.ExistsAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidDataException($"OCI archive lacks the blob {descriptor.Digest} ({descriptor.MediaType}) that its images need.");
            }
        }

        return images;
    }

    private static Digest? BlobDigestOf(string name)
    {
        var parts = name.Split('/');
        return parts.Length == 3 && parts[0] == OciLayoutFiles.BlobsDirectory && Digest.TryParse($"{parts[1]}:{parts[2]}", out var digest) ? digest : null;
    }

    private static async Task<byte[]> ReadLayoutFileAsync(string directory, string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path)
            ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)
            : throw new InvalidDataException($"'{directory}' is not an OCI layout: it has no {name}.");
    }
}
