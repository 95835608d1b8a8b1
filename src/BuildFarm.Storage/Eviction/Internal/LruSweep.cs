using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Content.Internal;

namespace BuildFarm.Storage.Eviction.Internal;

/// <summary>The eviction policy: least recently used first, never what is held, stop at the target.</summary>
internal static class LruSweep
{
    /// <summary>Caller holds the store's lock, so the index and what is held cannot change meanwhile.</summary>
    public static EvictionResult Run(BlobIndex index, long targetBytes, Func<Digest, bool> isHeld, Action<BlobEntry> delete)
    {
        var evicted = new List<BlobInfo>();
        var bytesEvicted = 0L;
        foreach (var entry in index.LeastRecentFirst())
        {
            if (index.TotalBytes <= targetBytes)
            {
                break;
            }

            if (isHeld(entry.Digest))
            {
                continue;
            }

            delete(entry);
            index.Remove(entry);
            evicted.Add(entry.ToInfo());
            bytesEvicted += entry.Size;
        }

        return new EvictionResult(evicted, bytesEvicted, index.TotalBytes);
    }

    /// <summary>What <see cref="Run"/> would remove now, least recently used first, without removing it. Caller holds the store's lock.</summary>
    public static List<Digest> Plan(BlobIndex index, long targetBytes, Func<Digest, bool> isHeld)
    {
        var planned = new List<Digest>();
        var remaining = index.TotalBytes;
        foreach (var entry in index.LeastRecentFirst())
        {
            if (remaining <= targetBytes)
            {
                break;
            }

            if (!isHeld(entry.Digest))
            {
                planned.Add(entry.Digest);
                remaining -= entry.Size;
            }
        }

        return planned;
    }
}
