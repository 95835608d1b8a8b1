using BuildFarm.Api.V1;
using BuildFarm.Execution.Pruning;
using BuildFarm.Grains.Builds;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Layout;
using BuildFarm.Storage.Content;
using Grpc.Core;

namespace BuildFarm.Server.Builds;

/// <summary>A built image as an archive: an OCI layout tar, a docker save tar, or its flattened file tree.</summary>
internal static class BuildArchives
{
    /// <summary>The manifest a build made.</summary>
    public static Descriptor ManifestOf(BuildOutput output) =>
        new() { MediaType = MediaTypes.OciManifest, Digest = Digest.Parse(output.ManifestDigest), Size = output.ManifestSize };

    public static async Task WriteAsync(ContentStore store, BuildOutput output, OutputType format, IReadOnlyList<string> names, Stream destination, CancellationToken cancellationToken)
    {
        var blobs = new ContentStoreBlobs(store);
        var image = new TaggedImage(ManifestOf(output), names);
        switch (format)
        {
            case OutputType.Oci:
                await OciLayout.ExportToTarAsync(blobs, [image], destination, cancellationToken).ConfigureAwait(false);
                break;
            case OutputType.Docker:
                await DockerArchive.ExportAsync(blobs, [image], destination, cancellationToken).ConfigureAwait(false);
                break;
            case OutputType.Local:
                await WriteFileTreeAsync(store, blobs, image.Descriptor, destination, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"Cannot export as {format}: choose OCI, DOCKER or LOCAL."));
        }
    }

    // The layers applied in order onto an empty directory, written out as one plain tar.
    private static async Task WriteFileTreeAsync(ContentStore store, ContentStoreBlobs blobs, Descriptor manifestDescriptor, Stream destination, CancellationToken cancellationToken)
    {
        var manifest = ImageManifest.Parse(await blobs.ReadDocumentAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false));
        var root = Path.Combine(store.DataDirectory, ScratchDirectories.Exports, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            foreach (var layer in manifest.Layers)
            {
                await using var blob = store.OpenRead(layer.Digest);
                await LayerApplier.ApplyAsync(blob, root, LayerApplyMode.Merge, cancellationToken).ConfigureAwait(false);
            }

            await LayerWriter.WriteAsync(root, destination, new LayerWriterOptions { Compression = LayerCompression.None }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
