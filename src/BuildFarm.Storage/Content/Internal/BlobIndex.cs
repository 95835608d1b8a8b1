using BuildFarm.Oci;

namespace BuildFarm.Storage.Content.Internal;

/// <summary>
/// The blobs the store holds, in order of last use. Not thread-safe: the store serialises access.
/// </summary>
internal sealed class BlobIndex
{
    private readonly Dictionary<Digest, BlobEntry> _byDigest = [];
    private readonly LinkedList<BlobEntry> _byRecency = new();

    public long TotalBytes { get; private set; }

    public int Count => _byDigest.Count;

    public bool TryGet(Digest digest, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BlobEntry? entry) =>
        _byDigest.TryGetValue(digest, out entry);

    /// <summary>Adds an entry as the most recently used.</summary>
    public void Add(BlobEntry entry)
    {
        _byDigest.Add(entry.Digest, entry);
        _byRecency.AddLast(entry.RecencyNode);
        TotalBytes += entry.Size;
    }

    public void MarkUsed(BlobEntry entry, DateTimeOffset when)
    {
        entry.LastUsed = when;
        _byRecency.Remove(entry.RecencyNode);
        _byRecency.AddLast(entry.RecencyNode);
    }

    /// <summary>Removes this very entry; false when the digest is absent or held by a newer entry.</summary>
    public bool Remove(BlobEntry entry)
    {
        if (!_byDigest.TryGetValue(entry.Digest, out var current) || !ReferenceEquals(current, entry))
        {
            return false;
        }

        _byDigest.Remove(entry.Digest);
        _byRecency.Remove(entry.RecencyNode);
        TotalBytes -= entry.Size;
        return true;
    }

    /// <summary>A snapshot of the entries, least recently used first.</summary>
    public List<BlobEntry> LeastRecentFirst() => [.. _byRecency];
}
