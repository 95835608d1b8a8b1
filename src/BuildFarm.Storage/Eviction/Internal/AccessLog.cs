using System.Buffers.Binary;
using System.Security.Cryptography;
using BuildFarm.Oci;

namespace BuildFarm.Storage.Eviction.Internal;

/// <summary>
/// Persists the order in which blobs were last used, so that least-recently-used eviction keeps
/// its order across restarts.
/// </summary>
/// <remarks>
/// Why a log of our own rather than file access times: atime depends on mount options
/// (noatime/relatime), is bumped by anything that reads the file (our own <c>Check</c>, backup
/// tools, virus scanners), and its granularity can make two uses look simultaneous, which
/// leaves the order ambiguous. Why fixed 40-byte binary records (32-byte sha256 + 8-byte Unix
/// milliseconds) rather than MessagePack: a use costs one small append and no parser is needed to
/// replay, and a record torn by a crash is recognised by the file length alone. Order in the
/// file is order of use; the log is rewritten with one record per blob at open and whenever it
/// grows well past the number of blobs. Appends are not fsynced: losing the last few uses in a
/// power failure only makes eviction order slightly less exact, never loses data.
/// </remarks>
internal sealed class AccessLog : IDisposable
{
    private const int RecordSize = SHA256.HashSizeInBytes + sizeof(long);
    private const int CompactionSlack = 1024;

    private readonly string _path;
    private FileStream _appender;
    private long _records;

    private AccessLog(string path, FileStream appender, long records)
    {
        _path = path;
        _appender = appender;
        _records = records;
    }

    /// <summary>
    /// Reads the uses recorded so far, least recent first with one (the latest) use per digest,
    /// ignoring a record torn by a crash.
    /// </summary>
    public static List<(Digest Digest, DateTimeOffset LastUsed)> Replay(string path)
    {
        var latest = new Dictionary<Digest, (long Order, DateTimeOffset LastUsed)>();
        if (File.Exists(path))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
            Span<byte> record = stackalloc byte[RecordSize];
            for (long order = 0; file.ReadAtLeast(record, RecordSize, throwOnEndOfStream: false) == RecordSize; order++)
            {
                var digest = Digest.FromSha256Hash(record[..SHA256.HashSizeInBytes]);
                var when = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(record[SHA256.HashSizeInBytes..]));
                latest[digest] = (order, when);
            }
        }

        return [.. latest.OrderBy(static pair => pair.Value.Order).Select(static pair => (pair.Key, pair.Value.LastUsed))];
    }

    /// <summary>Replaces the log with <paramref name="uses"/> (least recent first) and opens it for appending.</summary>
    public static AccessLog Create(string path, IReadOnlyCollection<(Digest Digest, DateTimeOffset LastUsed)> uses) =>
        new(path, Rewrite(path, uses), uses.Count);

    public void Append(Digest digest, DateTimeOffset when)
    {
        Span<byte> record = stackalloc byte[RecordSize];
        Encode(digest, when, record);
        _appender.Write(record);
        _records++;
    }

    /// <summary>Rewrites the log from the live blobs when it holds many more records than blobs.</summary>
    public void CompactIfLarge(Func<IReadOnlyCollection<(Digest Digest, DateTimeOffset LastUsed)>> currentUses, int liveBlobs)
    {
        if (_records <= (2L * liveBlobs) + CompactionSlack)
        {
            return;
        }

        var uses = currentUses();
        _appender.Dispose();
        _appender = Rewrite(_path, uses);
        _records = uses.Count;
    }

    public void Dispose() => _appender.Dispose();

    private static FileStream Rewrite(string path, IReadOnlyCollection<(Digest Digest, DateTimeOffset LastUsed)> uses)
    {
        AtomicFile.Write(path, stream =>
        {
            // Not disposed: that would close the file, which AtomicFile still has to flush to disk.
            var buffered = new BufferedStream(stream, 64 * 1024);
            Span<byte> record = stackalloc byte[RecordSize];
            foreach (var (digest, when) in uses)
            {
                Encode(digest, when, record);
                buffered.Write(record);
            }

            buffered.Flush();
        });

        // Unbuffered: each record reaches the OS at once, so a crash of the process loses nothing.
        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    private static void Encode(Digest digest, DateTimeOffset when, Span<byte> record)
    {
        Convert.FromHexString(digest.Hex, record[..SHA256.HashSizeInBytes], out _, out _);
        BinaryPrimitives.WriteInt64LittleEndian(record[SHA256.HashSizeInBytes..], when.ToUnixTimeMilliseconds());
    }
}
