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

    /// <summary>Every blob's last use, least recent first: what the access log persists.</summary>
    public List<(Digest Digest, DateTimeOffset LastUsed)> Uses() =>
        [.. _byRecency.Select(static entry => (entry.Digest, entry.LastUsed))];

    /// <summary>
    /// Indexes the blob files in <paramref name="directory"/> in order of use: first the blobs the
    /// access log never saw (written just before a crash lost the record) by modification time,
    /// then the logged ones in logged order. Logged digests without a file are dropped.
    /// </summary>
    public static BlobIndex Load(string directory, IEnumerable<(Digest Digest, DateTimeOffset LastUsed)> loggedUses)
    {
        var onDisk = new Dictionary<Digest, FileInfo>();
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles())
        {
            // Anything not named by a digest is not a blob.
            if (Digest.TryParse("sha256:" + file.Name, out var digest))
            {
                onDisk.Add(digest, file);
            }
        }

        var logged = loggedUses.Where(use => onDisk.ContainsKey(use.Digest)).ToList();
        var loggedDigests = logged.Select(static use => use.Digest).ToHashSet();
        var unlogged = onDisk
            .Where(pair => !loggedDigests.Contains(pair.Key))
            .OrderBy(static pair => pair.Value.LastWriteTimeUtc)
            .ThenBy(static pair => pair.Key.Hex, StringComparer.Ordinal)
            .Select(static pair => (pair.Key, new DateTimeOffset(pair.Value.LastWriteTimeUtc)));

        var index = new BlobIndex();
        foreach (var (digest, lastUsed) in unlogged.Concat(logged))
        {
            index.Add(new BlobEntry(digest, onDisk[digest].Length, lastUsed));
        }

        return index;
    }
}
