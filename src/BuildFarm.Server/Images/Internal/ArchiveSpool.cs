using BuildFarm.Api.V1;
using Grpc.Core;

namespace BuildFarm.Server.Images.Internal;

/// <summary>
/// An archive received as <see cref="LoadImagesChunk"/>s, kept in a file of the data directory
/// that goes away when disposed: telling an archive's format takes a first pass over it, so it
/// must be read twice, and it is never held in memory.
/// </summary>
internal sealed class ArchiveSpool : IAsyncDisposable
{
    /// <summary>The largest chunk accepted, as for Content.Upload: buffers stay off the large object heap.</summary>
    public const int MaxChunkBytes = 64 * 1024;

    private ArchiveSpool(FileStream file, string name)
    {
        File = file;
        Name = name;
    }

    /// <summary>The archive, positioned at its start.</summary>
    public FileStream File { get; }

    /// <summary>How errors name the archive: what the client called it.</summary>
    public string Name { get; }

    /// <exception cref="RpcException">INVALID_ARGUMENT for a chunk out of order or too large.</exception>
    public static async Task<ArchiveSpool> ReceiveAsync(IAsyncStreamReader<LoadImagesChunk> chunks, string dataDirectory, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateDirectory(Path.Combine(dataDirectory, "tmp")).FullName;
        var file = new FileStream(
            Path.Combine(directory, $"load-{Guid.NewGuid():N}.tar"),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            bufferSize: 1 << 16,
            FileOptions.DeleteOnClose);
        try
        {
            var name = "";
            var count = 0;
            await foreach (var chunk in chunks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                count++;
                if (count == 1)
                {
                    name = chunk.ArchiveName;
                }

                if (chunk.Offset != file.Length)
                {
                    throw Invalid($"chunk {count} of the archive starts at offset {chunk.Offset}, expected {file.Length}: chunks must arrive in order");
                }

                if (chunk.Data.Length > MaxChunkBytes)
                {
                    throw Invalid($"chunk {count} of the archive has {chunk.Data.Length} bytes, more than the {MaxChunkBytes} allowed");
                }

                await file.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
            }

            file.Position = 0;
            return new ArchiveSpool(file, name.Length > 0 ? name : "the archive");
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => File.DisposeAsync();

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
