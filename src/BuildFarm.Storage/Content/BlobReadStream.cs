using System.Diagnostics.CodeAnalysis;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Storage.Content.Internal;

namespace BuildFarm.Storage.Content;

/// <summary>
/// Reads one blob and hashes it on the way. Reaching the end proves the bytes matched the digest
/// and size; if they did not, the read that reaches the end throws <see cref="CorruptBlobException"/>
/// and the store removes the blob. A reader that stops early gets no such proof.
/// </summary>
public sealed class BlobReadStream : Stream
{
    private readonly DigestingStream _file;
    private readonly BlobEntry _entry;
    private readonly string _path;
    private readonly ContentStore _store;
    private bool _verified;
    private CorruptBlobException? _failure;

    internal BlobReadStream(FileStream file, BlobEntry entry, string path, ContentStore store)
    {
        _file = new DigestingStream(file);
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
        get => _file.BytesHashed;
        set => throw new NotSupportedException("A blob is read from start to end so that it can be verified.");
    }

    public override int Read(Span<byte> buffer)
    {
        ThrowIfFailed();
        return buffer.IsEmpty || _verified ? 0 : Account(_file.Read(buffer));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        if (buffer.IsEmpty || _verified)
        {
            return 0;
        }

        return Account(await _file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
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
        }

        base.Dispose(disposing);
    }

    private int Account(int read)
    {
        if (read == 0)
        {
            VerifyAtEnd();
        }
        else if (_file.BytesHashed > _entry.Size)
        {
            // Stop before serving bytes the blob never had.
            Fail($"its file holds more than the {_entry.Size} bytes it was stored with");
        }

        return read;
    }

    private void VerifyAtEnd()
    {
        var read = _file.BytesHashed;
        if (read != _entry.Size)
        {
            Fail($"its file ended after {read} of the {_entry.Size} bytes it was stored with");
        }

        if (_file.Digest != _entry.Digest)
        {
            Fail($"its {read} bytes have digest {_file.Digest}");
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
