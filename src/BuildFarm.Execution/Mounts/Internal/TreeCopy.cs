using System.IO.Pipelines;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Mounts.Internal;

/// <summary>Copies a directory tree with owners, modes, extended attributes, times and links.</summary>
internal static class TreeCopy
{
    /// <summary>
    /// Copies the tree at <paramref name="source"/> into the new directory <paramref name="destination"/>.
    /// It streams through an uncompressed layer tar, so the walk and the unpacking are the ones every
    /// layer gets, with all their care for metadata, and nothing is buffered whole.
    /// </summary>
    public static async Task CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        var writing = Task.Run(
            async () =>
            {
                try
                {
                    await using var tar = pipe.Writer.AsStream();
                    await LayerWriter.WriteAsync(source, tar, new LayerWriterOptions { Compression = LayerCompression.None }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    await pipe.Writer.CompleteAsync(e).ConfigureAwait(false);
                    throw;
                }
            },
            cancellationToken);

        try
        {
            await using var tar = pipe.Reader.AsStream();
            await LayerApplier.ApplyAsync(tar, destination, LayerApplyMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Unblocks the writer, whose own failure (if any) is the more telling one.
            await pipe.Reader.CompleteAsync(e).ConfigureAwait(false);
            await writing.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (writing.Exception is { } writeFailure)
            {
                throw writeFailure.InnerException!;
            }

            throw;
        }

        await writing.ConfigureAwait(false);

        // A layer has no entry for its root: the root's metadata is the source directory's.
        var root = LibC.LStat(source);
        LibC.LChown(destination, root.Uid, root.Gid);
        LibC.Chmod(destination, root.Permissions);
        LibC.SetModificationTime(destination, root.ModificationTime);
    }
}
