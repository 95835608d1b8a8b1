using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using BuildFarm.Oci;
using BuildFarm.Storage.Content.Internal;

namespace BuildFarm.Storage.Content;

/// <summary>
/// Reads one blob and hashes it on the way. Reaching the end proves the bytes matched the digest
/// and size; if they did not, the read that reaches the end throws <see cref="CorruptBlobException"/>
/// and the store removes the blob. A reader that stops early gets no such proof.
/// </summary>
public sealed class BlobReadStream : Stream
{
    private readonly FileStream _file;
    private readonly BlobEntry _entry;
    private readonly string _path;
    private readonly ContentStore _store;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;
    private CorruptBlobException? _failure;

    internal BlobReadStream(FileStream file, BlobEntry entry, string path, ContentStore store)
    {
        _file = file;
        _entry = entry;
        _path = path;
        _store = store;
    }

    public Digest Digest => _entry.Digest;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>The size the blob was stored with.</summary>
    public override long Length => _entry.Size;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException("A blob is read from start to end so that it can be verified.");
    }

    public override int Read(Span<byte> buffer)
    {
        ThrowIfFailed();
        return buffer.IsEmpty || _verified ? 0 : Account(buffer[.._file.Read(buffer)]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        if (buffer.IsEmpty || _verified)
        {
            return 0;
        }

        var read = await _file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..read]);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A blob is read from start to end so that it can be verified.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            VerifyAtEnd();
            return 0;
        }

        _read += data.Length;
        if (_read > _entry.Size)
        {
            // Stop before serving bytes the blob never had.
            Fail($"its file holds more than the {_entry.Size} bytes it was stored with");
        }

        _hash.AppendData(data);
        return data.Length;
    }

    private void VerifyAtEnd()
    {
        if (_read != _entry.Size)
        {
            Fail($"its file ended after {_read} of the {_entry.Size} bytes it was stored with");
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        _hash.GetHashAndReset(hash);
        var actual = Digest.FromSha256Hash(hash);
        if (actual != _entry.Digest)
        {
            Fail($"its {_read} bytes have digest {actual}");
        }

        _verified = true;
    }

    [DoesNotReturn]
    private void Fail(string reason)
    {
        _store.RemoveCorrupt(_entry);
        _failure = new CorruptBlobException(new CorruptBlob(_entry.Digest, _path, reason));
        throw _failure;
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw _failure;
        }
    }
}
