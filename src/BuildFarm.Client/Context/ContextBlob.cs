using BuildFarm.Oci;

namespace BuildFarm.Client.Context;

/// <summary>A blob of a context snapshot: a file's content (read from disk when sent) or a directory node.</summary>
public sealed class ContextBlob
{
    private readonly string? _hostPath;
    private readonly ReadOnlyMemory<byte> _bytes;

    private ContextBlob(Digest digest, long size, string description, string? hostPath, ReadOnlyMemory<byte> bytes)
    {
        Digest = digest;
        Size = size;
        Description = description;
        _hostPath = hostPath;
        _bytes = bytes;
    }

    public Digest Digest { get; }

    public long Size { get; }

    /// <summary>What the blob is, for messages: <c>file "src/app.cs"</c> or <c>directory "src"</c>.</summary>
    public string Description { get; }

    /// <summary>True for a directory node, false for a file's content.</summary>
    public bool IsNode => _hostPath is null;

    internal static ContextBlob ForFile(Digest digest, long size, string relativePath, string hostPath) =>
        new(digest, size, $"file \"{relativePath}\"", hostPath, default);

    internal static ContextBlob ForNode(Digest digest, ReadOnlyMemory<byte> bytes, string relativePath) =>
        new(digest, bytes.Length, relativePath.Length == 0 ? "the root directory" : $"directory \"{relativePath}\"", null, bytes);

    /// <summary>Opens the blob's bytes. A file is read from disk again; the uploader checks it still has the digest.</summary>
    public Stream OpenRead() =>
        _hostPath is null
            ? new MemoryStream(_bytes.ToArray(), writable: false)
            : new FileStream(_hostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
}
