using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>
/// Thrown at the end of reading a blob whose bytes do not match its digest and size. The store
/// has removed the blob by then, so it is never served again; whatever was read must be discarded.
/// </summary>
public sealed class CorruptBlobException : IOException
{
    public CorruptBlobException(CorruptBlob corruption)
        : base($"Blob {corruption.Digest} at {corruption.Path} is corrupt: {corruption.Reason}. It has been removed from the content store.")
    {
        Corruption = corruption;
    }

    public CorruptBlob Corruption { get; }

    public Digest Digest => Corruption.Digest;
}
