using System.IO.Pipelines;
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
/// <remarks>
/// The pass runs as a pipeline of up to three stages joined by bounded pipes, so that reading
/// files, hashing the tar and compressing it use separate cores: hashing alone costs about as
/// much as reading the files.
/// </remarks>
public static class LayerWriter
{
    private static readonly PipeOptions StagePipeOptions = new(
        pauseWriterThreshold: 8 << 20,
        resumeWriterThreshold: 4 << 20,
        minimumSegmentSize: 256 << 10,
        useSynchronizationContext: false);

    public static Task<LayerBlob> WriteAsync(string directory, Stream destination, LayerWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LayerWriterOptions();
        var entries = DirectoryScanner.Scan(directory, options.Source, options.SourceDateEpoch?.ToUnixTimeSeconds());
        return WriteAsync((output, token) => WriteTarAsync(entries, output, token), destination, options, cancellationToken);
    }

    /// <summary>
    /// Writes the layer that <paramref name="baseLayer"/> becomes with the changes of an overlay
    /// upper dir applied, byte for byte the layer <see cref="WriteAsync(string, Stream, LayerWriterOptions?, CancellationToken)"/>
    /// would write from the changed tree — without reading the files the changes left alone.
    /// </summary>
    /// <param name="baseLayer">The layer before the changes: a blob, compressed or not, that this writer wrote, with no whiteouts and no hard links.</param>
    /// <param name="changes">
    /// The changes: an uncompressed tar this writer wrote from an upper dir (<see cref="LayerSource.OverlayUpper"/>),
    /// with the same clamping; it is read twice, so it must be seekable.
    /// </param>
    /// <exception cref="NotSupportedException">The base layer has whiteouts or hard links, or the changes have hard links.</exception>
    public static Task<LayerBlob> WritePatchedAsync(Stream baseLayer, Stream changes, Stream destination, LayerWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        ArgumentNullException.ThrowIfNull(changes);
        return WriteAsync((output, token) => LayerPatcher.WriteAsync(baseLayer, changes, output, token), destination, options ?? new LayerWriterOptions(), cancellationToken);
    }

    // One streaming pass: the tar is hashed into the diffID and compressed into the blob as it is written.
    private static async Task<LayerBlob> WriteAsync(Func<Stream, CancellationToken, Task> writeTar, Stream destination, LayerWriterOptions options, CancellationToken cancellationToken)
    {
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var compressed = options.Compression != LayerCompression.None;

        var tar = new Pipe(StagePipeOptions);
        var toCompress = compressed ? new Pipe(StagePipeOptions) : null;
        var blob = new DigestingStream(destination, leaveOpen: true);
        var diff = new DigestingStream(toCompress?.Writer.AsStream(leaveOpen: true) ?? destination, leaveOpen: true);

        var stages = new List<Task>
        {
            RunStageAsync(tar.Writer, [], failure, token => writeTar(tar.Writer.AsStream(leaveOpen: true), token)),
            RunStageAsync(toCompress?.Writer, [tar.Reader], failure, token => tar.Reader.CopyToAsync(diff, token)),
        };
        if (toCompress is not null)
        {
            stages.Add(RunStageAsync(null, [toCompress.Reader], failure, async token =>
            {
                await using var compressor = LayerCompressionStreams.Compress(blob, options.Compression, options.CompressionLevel, leaveOpen: true);
                await toCompress.Reader.CopyToAsync(compressor, token).ConfigureAwait(false);
            }));
        }

        await WhenAllOrFirstFailureAsync(stages).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);

        var (digest, size) = compressed ? (blob.Digest, blob.BytesHashed) : (diff.Digest, diff.BytesHashed);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciLayerFor(options.Compression), Digest = digest, Size = size };
        return new LayerBlob(descriptor, diff.Digest, diff.BytesHashed);
    }

    private static async Task WriteTarAsync(List<LayerEntry> entries, Stream output, CancellationToken cancellationToken)
    {
        await using var tar = new TarArchiveWriter(output, leaveOpen: true);
        foreach (var entry in entries)
        {
            if (entry.ContentPath is null)
            {
                await tar.WriteEntryAsync(entry.Header, content: null, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Unbuffered: the tar writer copies in large chunks of its own.
            await using var content = new FileStream(entry.ContentPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
            await tar.WriteEntryAsync(entry.Header, content, cancellationToken).ConfigureAwait(false);
        }

        await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a stage on the thread pool. On success its output is completed; on failure the other
    /// stages are cancelled and its pipes completed with the error, so no stage waits forever.
    /// </summary>
    private static Task RunStageAsync(PipeWriter? output, PipeReader[] inputs, CancellationTokenSource failure, Func<CancellationToken, Task> work) =>
        Task.Run(async () =>
        {
            try
            {
                await work(failure.Token).ConfigureAwait(false);
                foreach (var input in inputs)
                {
                    await input.CompleteAsync().ConfigureAwait(false);
                }

                if (output is not null)
                {
                    await output.CompleteAsync().ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                await failure.CancelAsync().ConfigureAwait(false);
                foreach (var input in inputs)
                {
                    await input.CompleteAsync(e).ConfigureAwait(false);
                }

                if (output is not null)
                {
                    await output.CompleteAsync(e).ConfigureAwait(false);
                }

                throw;
            }
        });

    /// <summary>The first real error, not the cancellations it caused in the other stages.</summary>
    private static async Task WhenAllOrFirstFailureAsync(List<Task> stages)
    {
        try
        {
            await Task.WhenAll(stages).ConfigureAwait(false);
        }
        catch
        {
            var errors = stages.Where(s => s.IsFaulted).Select(s => s.Exception!.InnerException!).ToList();
            var root = errors.FirstOrDefault(e => e is not OperationCanceledException) ?? errors.FirstOrDefault();
            if (root is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(root);
            }

            throw;
        }
    }
}
