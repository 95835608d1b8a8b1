using System.Buffers;
using System.Security.Cryptography;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage;
using MessagePack;

namespace BuildFarm.Client.Context.Internal;

/// <summary>
/// File digests remembered across runs in a MessagePack file, each valid while the file's size,
/// modification time, inode and change time are unchanged. The change time catches a write
/// whose tool restored the modification time; the inode a file renamed over the path. An
/// unreadable cache file is treated as empty: it only ever saves work.
/// </summary>
/// <remarks>
/// Like git's index before its racy-timestamp check, a write that lands in the same timestamp
/// tick as the hashing, after it, and keeps the size, goes unnoticed until the file changes
/// again; the window is one tick of the coarse clock the kernel stamps writes with (a few milliseconds).
/// <para>
/// The file is read and written with MessagePack's reader and writer directly, as
/// <c>[version, [[path, size, mtime s, mtime ns, inode, ctime s, ctime ns, digest], ...]]</c>:
/// every <c>farm build</c> is a new process, and the serializer's resolvers cost it hundreds of
/// milliseconds of start-up (type inspection and code generation) for these few fields.
/// </para>
/// </remarks>
internal sealed class DigestCacheFile
{
    private const int CurrentVersion = 1;
    private const int EntryFields = 8;

    private readonly string? _path;
    private readonly Dictionary<string, StoredDigest> _entries;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private DigestCacheFile(string? path, Dictionary<string, StoredDigest> entries)
    {
        _path = path;
        _entries = entries;
    }

    public int FilesHashed { get; private set; }

    public static DigestCacheFile Load(string? path)
    {
        var entries = new Dictionary<string, StoredDigest>(StringComparer.Ordinal);
        if (path is not null && File.Exists(path))
        {
            try
            {
                foreach (var entry in Decode(File.ReadAllBytes(path)))
                {
                    entries[entry.Path] = entry;
                }
            }
            catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
            {
                entries.Clear(); // a damaged or older cache costs one cold walk, nothing else
            }
        }

        return new DigestCacheFile(path, entries);
    }

    /// <summary>The cached digest and length of a regular file, or null when the cache has no valid entry (then <see cref="Hash"/> it).</summary>
    /// <remarks>Not thread-safe: the walk asks from one thread, then hashes the misses in parallel.</remarks>
    public (Digest Digest, long Size)? TryGetCached(string hostPath, FileStatus status)
    {
        _used.Add(hostPath);
        return _entries.TryGetValue(hostPath, out var cached) && cached.Matches(status) ? (Digest.Parse(cached.Digest), cached.Size) : null;
    }

    /// <summary>Reads a regular file and returns its digest and length; safe to call from many threads at once.</summary>
    /// <exception cref="IOException">The file changed while it was read.</exception>
    public static (Digest Digest, long Size) Hash(string hostPath, string relativePath, FileStatus status)
    {
        Digest digest;
        long length;
        using (var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
        {
            digest = Digest.FromSha256Hash(SHA256.HashData(stream));
            length = stream.Position;
        }

        // Any write, or a swap of the path for another file or a symlink, between the walk's lstat
        // and the end of the read moves the change time or the inode: what was read is then not
        // what the tree would claim, so nothing is recorded.
        var after = LibC.TryLStat(hostPath);
        if (length != status.Size || after is not { } now || now.Inode != status.Inode || now.ChangeSeconds != status.ChangeSeconds || now.ChangeNanoseconds != status.ChangeNanoseconds)
        {
            throw new IOException($"The context file \"{relativePath}\" changed while it was being read; run again once it is written.");
        }

        return (digest, length);
    }

    /// <summary>Remembers what <see cref="Hash"/> found, for the next walk.</summary>
    public void Record(string hostPath, FileStatus status, Digest digest)
    {
        FilesHashed++;
        _entries[hostPath] = StoredDigest.From(hostPath, status, digest);
    }

    /// <summary>
    /// Writes the cache back (atomically), dropping entries under <paramref name="walkedRoot"/>
    /// that this walk did not meet: files since deleted or ignored. Entries of other contexts stay.
    /// A walk that hashed nothing and dropped nothing leaves the file as it is.
    /// </summary>
    public void Save(string walkedRoot)
    {
        if (_path is null)
        {
            return;
        }

        var prefix = Path.TrimEndingDirectorySeparator(walkedRoot) + Path.DirectorySeparatorChar;
        var kept = _entries.Values.Where(e => _used.Contains(e.Path) || !e.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        if (FilesHashed == 0 && kept.Count == _entries.Count && File.Exists(_path))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        AtomicFile.Write(_path, stream => stream.Write(Encode(kept)));
    }

    private static byte[] Encode(List<StoredDigest> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(CurrentVersion);
        writer.WriteArrayHeader(entries.Count);
        foreach (var entry in entries)
        {
            writer.WriteArrayHeader(EntryFields);
            writer.Write(entry.Path);
            writer.Write(entry.Size);
            writer.Write(entry.ModificationSeconds);
            writer.Write(entry.ModificationNanoseconds);
            writer.Write(entry.Inode);
            writer.Write(entry.ChangeSeconds);
            writer.Write(entry.ChangeNanoseconds);
            writer.Write(entry.Digest);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    // An empty list for a cache of another version: its entries may not mean what these do.
    private static List<StoredDigest> Decode(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.ReadArrayHeader() != 2)
        {
            throw new MessagePackSerializationException("expected [version, entries]");
        }

        if (reader.ReadInt32() != CurrentVersion)
        {
            return [];
        }

        var count = reader.ReadArrayHeader();
        var entries = new List<StoredDigest>(Math.Min(count, 1 << 16));
        for (var i = 0; i < count; i++)
        {
            if (reader.ReadArrayHeader() != EntryFields)
            {
                throw new MessagePackSerializationException($"entry {i} does not have {EntryFields} fields");
            }

            entries.Add(new StoredDigest(
                Path: reader.ReadString() ?? string.Empty,
                Size: reader.ReadInt64(),
                ModificationSeconds: reader.ReadInt64(),
                ModificationNanoseconds: reader.ReadUInt32(),
                Inode: reader.ReadUInt64(),
                ChangeSeconds: reader.ReadInt64(),
                ChangeNanoseconds: reader.ReadUInt32(),
                Digest: reader.ReadString() ?? string.Empty));
        }

        return entries;
    }

    private sealed record StoredDigest(string Path, long Size, long ModificationSeconds, uint ModificationNanoseconds, ulong Inode, long ChangeSeconds, uint ChangeNanoseconds, string Digest)
    {
        public static StoredDigest From(string path, FileStatus status, Digest digest) =>
            new(path, status.Size, status.ModificationSeconds, status.ModificationNanoseconds, status.Inode, status.ChangeSeconds, status.ChangeNanoseconds, digest.ToString());

        public bool Matches(FileStatus status) =>
            Size == status.Size && ModificationSeconds == status.ModificationSeconds && ModificationNanoseconds == status.ModificationNanoseconds
            && Inode == status.Inode && ChangeSeconds == status.ChangeSeconds && ChangeNanoseconds == status.ChangeNanoseconds;
    }
}
