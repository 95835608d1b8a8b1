using System.Security.Cryptography;
using BuildFarm.Execution.Internal;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Sources;

/// <summary>
/// The sha256 of regular files' content, remembered per host path for as long as the file's size,
/// modification time, inode and change time stay the same, so a warm re-check of an unchanged
/// tree reads no file content. One per process is enough; it is safe for concurrent use.
/// </summary>
/// <remarks>
/// The change time is part of the key because it moves on every write even when a tool restores
/// the modification time afterwards (<c>touch -r</c>, <c>rsync -t</c>), and the inode because a
/// rename over the path replaces the file without necessarily changing either time.
/// </remarks>
public sealed class FileDigestCache
{
    // Paths of every context directory a long-running silo ever read would add up without end.
    private const int Capacity = 200_000;

    private readonly BoundedMemo<string, Entry> _entries = new(Capacity);
    private long _filesHashed;

    /// <summary>How many files had their content read and hashed (cache misses) so far.</summary>
    public long FilesHashed => Interlocked.Read(ref _filesHashed);

    internal Digest ContentDigest(string root, string relativePath, FileStatus status)
    {
        var hostPath = Path.Join(root, relativePath);
        var key = new Stamp(status.Size, status.ModificationSeconds, status.ModificationNanoseconds, status.Inode, status.ChangeSeconds, status.ChangeNanoseconds);
        if (_entries.TryGetValue(hostPath, out var cached) && cached.Stamp == key)
        {
            return cached.Digest;
        }

        // Opened confined to the root: should the path have been swapped for a symlink since it
        // was resolved, the kernel still resolves it inside the root.
        using var handle = LinuxCalls.OpenReadInRoot(root, relativePath)
            ?? throw new FileNotFoundException($"'{relativePath}' disappeared from '{root}' while it was being checksummed.");
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        var digest = Digest.FromSha256Hash(SHA256.HashData(stream));
        Interlocked.Increment(ref _filesHashed);
        _entries.Set(hostPath, new Entry(key, digest));
        return digest;
    }

    private readonly record struct Stamp(long Size, long ModificationSeconds, uint ModificationNanoseconds, ulong Inode, long ChangeSeconds, uint ChangeNanoseconds);

    private readonly record struct Entry(Stamp Stamp, Digest Digest);
}
