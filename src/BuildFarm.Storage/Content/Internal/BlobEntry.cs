using BuildFarm.Oci;

namespace BuildFarm.Storage.Content.Internal;

/// <summary>
/// The store's record of one blob. Each commit creates a new instance, so holding on to an entry
/// identifies one particular file even if the blob is removed and written again meanwhile.
/// </summary>
internal sealed class BlobEntry
{
    public BlobEntry(Digest digest, long size, DateTimeOffset lastUsed)
    {
        Digest = digest;
        Size = size;
        LastUsed = lastUsed;
        RecencyNode = new LinkedListNode<BlobEntry>(this);
    }

    public Digest Digest { get; }

    public long Size { get; }

    public DateTimeOffset LastUsed { get; set; }

    public LinkedListNode<BlobEntry> RecencyNode { get; }

    public BlobInfo ToInfo() => new(Digest, Size, LastUsed);
}
