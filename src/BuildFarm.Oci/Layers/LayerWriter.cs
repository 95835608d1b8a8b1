using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers.Internal;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layers;

/// <summary>
/// Makes a layer blob from a directory, reproducibly: the same tree (content, modes, owners, link
/// structure, and mtimes after clamping) gives byte-identical tar and blob digests on any machine.
/// The uncompressed digest (diffID), the blob digest and the size come out of the one streaming
/// pass that writes the blob; no file or blob is held in memory whole.
/// </summary>
public static class LayerWriter
{
    private const int TarBufferSize = 1 << 20;

    public static async Task<LayerBlob> WriteAsync(string directory, Stream destination, LayerWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LayerWriterOptions();
        var entries = DirectoryScanner.Scan(directory, options.Source, options.SourceDateEpoch?.ToUnixTimeSeconds());

        var blob = new DigestingStream(destination, leaveOpen: true);
        Digest diffId;
        long uncompressedSize;
        await using (var compressor = LayerCompressionStreams.Compress(blob, options.Compression, options.CompressionLevel, leaveOpen: true))
        {
            var diff = new DigestingStream(compressor, leaveOpen: true);
            await using (var buffered = new BufferedStream(diff, TarBufferSize))
            await using (var tar = new TarArchiveWriter(buffered, leaveOpen: true))
            {
                foreach (var entry in entries)
                {
                    await WriteEntryAsync(tar, entry, cancellationToken).ConfigureAwait(false);
                }

                await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
                await buffered.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            diffId = diff.Digest;
            uncompressedSize = diff.BytesHashed;
        }

        await blob.FlushAsync(cancellationToken).ConfigureAwait(false);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciLayerFor(options.Compression), Digest = blob.Digest, Size = blob.BytesHashed };
        return new LayerBlob(descriptor, diffId, uncompressedSize);
    }

    private static async ValueTask WriteEntryAsync(TarArchiveWriter tar, LayerEntry entry, CancellationToken cancellationToken)
    {
        if (entry.ContentPath is null)
        {
            await tar.WriteEntryAsync(entry.Header, content: null, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Unbuffered: the tar writer copies in large chunks of its own.
        await using var content = new FileStream(entry.ContentPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
        await tar.WriteEntryAsync(entry.Header, content, cancellationToken).ConfigureAwait(false);
    }
}
