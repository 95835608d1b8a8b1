using System.Security.Cryptography;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage;
using MessagePack;
using MessagePack.Resolvers;

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
/// </remarks>
internal sealed class DigestCacheFile
{
    private const int CurrentVersion = 1;

    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard
            .WithResolver(StandardResolverAllowPrivate.Instance)
            .WithSecurity(MessagePackSecurity.UntrustedData);

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
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                var file = MessagePackSerializer.Deserialize<StoredFile>(stream, Options);
                if (file.Version == CurrentVersion)
                {
                    foreach (var entry in file.Entries)
                    {
                        entries[entry.Path] = entry;
                    }
                }
            }
            catch (MessagePackSerializationException)
            {
                entries.Clear(); // a damaged cache costs one cold walk, nothing else
            }
        }

        return new DigestCacheFile(path, entries);
    }

    /// <summary>The digest and length of a regular file's content, read only when the cache has no valid entry.</summary>
    /// <exception cref="IOException">The file changed size while it was read.</exception>
    public (Digest Digest, long Size) Get(string hostPath, string relativePath, FileStatus status)
    {
        _used.Add(hostPath);
        if (_entries.TryGetValue(hostPath, out var cached) && cached.Matches(status))
        {
            return (Digest.Parse(cached.Digest), cached.Size);
        }

        Digest digest;
        long length;
        using (var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
        {
            digest = Digest.FromSha256Hash(SHA256.HashData(stream));
            length = stream.Position;
        }

        FilesHashed++;
        // Any write, or a swap of the path for another file or a symlink, between the walk's lstat
        // and the end of the read moves the change time or the inode: what was read is then not
        // what the tree would claim, so nothing is recorded.
        var after = LibC.TryLStat(hostPath);
        if (length != status.Size || after is not { } now || now.Inode != status.Inode || now.ChangeSeconds != status.ChangeSeconds || now.ChangeNanoseconds != status.ChangeNanoseconds)
        {
            throw new IOException($"The context file \"{relativePath}\" changed while it was being read; run again once it is written.");
        }

        _entries[hostPath] = StoredDigest.From(hostPath, status, digest);
        return (digest, length);
    }

    /// <summary>
    /// Writes the cache back (atomically), dropping entries under <paramref name="walkedRoot"/>
    /// that this walk did not meet: files since deleted or ignored. Entries of other contexts stay.
    /// </summary>
    public void Save(string walkedRoot)
    {
        if (_path is null)
        {
            return;
        }

        var prefix = Path.TrimEndingDirectorySeparator(walkedRoot) + Path.DirectorySeparatorChar;
        var file = new StoredFile
        {
            Version = CurrentVersion,
            Entries = [.. _entries.Values.Where(e => _used.Contains(e.Path) || !e.Path.StartsWith(prefix, StringComparison.Ordinal))],
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        AtomicFile.Write(_path, stream => MessagePackSerializer.Serialize(stream, file, Options));
    }

    [MessagePackObject]
    internal sealed class StoredFile
    {
        [Key(0)]
        public int Version { get; set; }

        [Key(1)]
        public List<StoredDigest> Entries { get; set; } = [];
    }

    [MessagePackObject]
    internal sealed class StoredDigest
    {
        [Key(0)]
        public string Path { get; set; } = string.Empty;

        [Key(1)]
        public long Size { get; set; }

        [Key(2)]
        public long ModificationSeconds { get; set; }

        [Key(3)]
        public uint ModificationNanoseconds { get; set; }

        [Key(4)]
        public ulong Inode { get; set; }

        [Key(5)]
        public long ChangeSeconds { get; set; }

        [Key(6)]
        public uint ChangeNanoseconds { get; set; }

        [Key(7)]
        public string Digest { get; set; } = string.Empty;

        public static StoredDigest From(string path, FileStatus status, Digest digest) => new()
        {
            Path = path,
            Size = status.Size,
            ModificationSeconds = status.ModificationSeconds,
            ModificationNanoseconds = status.ModificationNanoseconds,
            Inode = status.Inode,
            ChangeSeconds = status.ChangeSeconds,
            ChangeNanoseconds = status.ChangeNanoseconds,
            Digest = digest.ToString(),
        };

        public bool Matches(FileStatus status) =>
            Size == status.Size && ModificationSeconds == status.ModificationSeconds && ModificationNanoseconds == status.ModificationNanoseconds
            && Inode == status.Inode && ChangeSeconds == status.ChangeSeconds && ChangeNanoseconds == status.ChangeNanoseconds;
    }
}
