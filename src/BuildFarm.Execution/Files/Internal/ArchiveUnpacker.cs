using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// ADD's archive handling, as BuildKit's <c>unpack</c>: a regular file is an archive when, after
/// decompression by its magic bytes (gzip, bzip2, xz, zstd or none, never by its name), it starts
/// with a readable tar header; it is then extracted into the destination directory instead of
/// being copied. Entries keep the archive's owners and modes, unless --chown gives them one owner.
/// </summary>
internal static class ArchiveUnpacker
{
    private const int MagicLength = 6;

    private enum Compression
    {
        None,
        Gzip,
        Bzip2,
        Xz,
        Zstd,
    }

    /// <summary>Whether the file at <paramref name="path"/> (resolved, in <paramref name="tree"/>) is an archive ADD extracts.</summary>
    public static async Task<bool> IsArchiveAsync(SourceTree tree, string path, CancellationToken cancellationToken)
    {
        if (!tree.Status(path).IsRegular)
        {
            return false;
        }

        try
        {
            await using var content = await OpenAsync(tree, path, cancellationToken).ConfigureAwait(false);
            await using var reader = new TarArchiveReader(content.Stream, leaveOpen: true);
            return await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is not null;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return false; // like Go's tar.Reader.Next failing: whatever does not decompress and parse is a plain file
        }
    }

    /// <summary>Extracts the archive into <paramref name="destinationDirectory"/>, a host directory that plays the archive's <c>/</c>.</summary>
    public static async Task ExtractAsync(SourceTree tree, string path, string destinationDirectory, (long Uid, long Gid)? owner, CancellationToken cancellationToken)
    {
        await using var content = await OpenAsync(tree, path, cancellationToken).ConfigureAwait(false);
        await LayerApplier.ExtractArchiveAsync(content.Stream, destinationDirectory, owner, cancellationToken).ConfigureAwait(false);
        await content.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<DecompressedFile> OpenAsync(SourceTree tree, string path, CancellationToken cancellationToken)
    {
        // The tree opens it confined to its root (or from the content store); the magic bytes are
        // read from a first opening, as the content store's streams do not seek.
        var magic = new byte[MagicLength];
        int read;
        await using (var start = tree.OpenRead(path))
        {
            read = await start.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        var file = new BufferedStream(tree.OpenRead(path), 1 << 16);
        try
        {
            return Detect(magic.AsSpan(0, read)) switch
            {
                Compression.Gzip => new DecompressedFile(file, LayerCompressionStreams.Decompress(file, LayerCompression.Gzip, leaveOpen: true), null),
                Compression.Zstd => new DecompressedFile(file, LayerCompressionStreams.Decompress(file, LayerCompression.Zstd, leaveOpen: true), null),
                Compression.Bzip2 => DecompressedFile.Through("bzip2", file, cancellationToken),
                Compression.Xz => DecompressedFile.Through("xz", file, cancellationToken),
                _ => new DecompressedFile(file, file, null),
            };
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Docker's compression.DetectCompression, in its order.
    private static Compression Detect(ReadOnlySpan<byte> start) => start switch
    {
        [0x42, 0x5A, 0x68, ..] => Compression.Bzip2,
        [0x1F, 0x8B, 0x08, ..] => Compression.Gzip,
        [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, ..] => Compression.Xz,
        [0x28, 0xB5, 0x2F, 0xFD, ..] => Compression.Zstd,
        _ => Compression.None,
    };

    /// <summary>A file and the decompressed stream over it.</summary>
    private sealed class DecompressedFile(Stream file, Stream stream, ExternalDecompressor? program) : IAsyncDisposable
    {
        public Stream Stream { get; } = stream;

        public static DecompressedFile Through(string program, Stream file, CancellationToken cancellationToken)
        {
            var decompressor = ExternalDecompressor.Start(program, file, cancellationToken);
            return new DecompressedFile(file, decompressor.Output, decompressor);
        }

        /// <summary>After the whole stream was read: a decompressing program must have succeeded too.</summary>
        public Task CompleteAsync(CancellationToken cancellationToken) =>
            program?.WaitForSuccessAsync(cancellationToken) ?? Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (program is not null)
            {
                await program.DisposeAsync().ConfigureAwait(false);
            }
            else if (!ReferenceEquals(Stream, file))
            {
                await Stream.DisposeAsync().ConfigureAwait(false);
            }

            await file.DisposeAsync().ConfigureAwait(false);
        }
    }
}
