using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Layout;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Tar;
using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Images;

/// <summary>
/// Reads what <c>docker load</c> reads: an OCI image layout tar (<c>oci-layout</c>, <c>index.json</c>;
/// what skopeo, BuildKit and docker 25+ write) or a <c>docker save</c> tar (<c>manifest.json</c>),
/// plain or gzip/zstd compressed. An archive that is both (docker 25+ writes both) is read as OCI,
/// which keeps its manifests byte for byte.
/// </summary>
public static class ImageArchive
{
    private const string OciLayoutFile = "oci-layout";
    private const string DockerManifestFile = "manifest.json";

    /// <summary>Imports the archive's images into <paramref name="blobs"/>; the archive is read twice, so it must seek.</summary>
    /// <param name="archiveName">How the archive is named in errors (its path, or "stdin").</param>
    /// <exception cref="InvalidImageArchiveException">The archive is not a readable image archive.</exception>
    public static async Task<IReadOnlyList<ArchivedImage>> ImportAsync(Stream archive, string archiveName, IBlobStore blobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        try
        {
            var isOci = await IsOciLayoutAsync(archive, cancellationToken).ConfigureAwait(false);
            archive.Position = 0;
            await using var tar = await LayerCompressionStreams.DecompressDetectedAsync(archive, leaveOpen: true, cancellationToken).ConfigureAwait(false);
            if (isOci)
            {
                var images = await OciLayout.ImportFromTarAsync(tar, blobs, cancellationToken).ConfigureAwait(false);
                return [.. images.Select(image => new ArchivedImage(image.Descriptor, OciNames(image, archiveName)))];
            }
            else
            {
                var images = await DockerArchive.ImportAsync(tar, blobs, cancellationToken).ConfigureAwait(false);
                return [.. images.Select(image => new ArchivedImage(image.Descriptor, ParseNames(image.Tags, image, archiveName)))];
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or BlobMismatchException or ZstdSharp.ZstdException)
        {
            throw new InvalidImageArchiveException($"{archiveName} is not a valid image archive: {e.Message}", e);
        }
    }

    /// <summary>A first pass over the entries: an OCI layout has <c>oci-layout</c>, a docker archive only <c>manifest.json</c>.</summary>
    private static async Task<bool> IsOciLayoutAsync(Stream archive, CancellationToken cancellationToken)
    {
        var hasDockerManifest = false;
        await using var content = await LayerCompressionStreams.DecompressDetectedAsync(archive, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using var tar = new TarArchiveReader(content, leaveOpen: true);
        while (await tar.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name.TrimStart('/');
            if (entry.Kind == TarEntryKind.RegularFile && name == OciLayoutFile)
            {
                return true;
            }

            hasDockerManifest |= entry.Kind == TarEntryKind.RegularFile && name == DockerManifestFile;
        }

        return hasDockerManifest
            ? false
            : throw new InvalidDataException($"it has neither {OciLayoutFile} (an OCI archive) nor {DockerManifestFile} (a docker save archive)");
    }

    /// <summary>
    /// containerd's full name annotation, and the ref names that are image names. A ref name
    /// without ':' or '/' is only a tag (the OCI spec's own example is "v1.0"): it names no repository.
    /// </summary>
    private static List<ImageReference> OciNames(TaggedImage image, string archiveName)
    {
        var candidates = image.Tags.Where(static tag => tag.Contains(':', StringComparison.Ordinal) || tag.Contains('/', StringComparison.Ordinal));
        if (image.Descriptor.GetAnnotation(AnnotationKeys.ContainerdImageName) is { } fullName)
        {
            candidates = candidates.Prepend(fullName);
        }

        return ParseNames(candidates, image, archiveName);
    }

    private static List<ImageReference> ParseNames(IEnumerable<string> names, TaggedImage image, string archiveName) =>
        [.. names
            .Select(name => ImageReference.TryParse(name, out var reference, out var error)
                ? reference
                : throw new InvalidImageArchiveException($"{archiveName}: image {image.Descriptor.Digest} has a name that is not an image reference: {error}"))
            .DistinctBy(static reference => reference.ToString())];
}
