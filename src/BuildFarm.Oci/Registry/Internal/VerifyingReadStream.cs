using System.Security.Cryptography;
using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>
/// Passes a blob's bytes through while hashing and counting them, and throws instead of ending
/// when they are not the blob the descriptor names: more or fewer bytes, or another digest.
/// </summary>
internal sealed class VerifyingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly Descriptor _expected;
    private readonly string _origin;
    private readonly IncrementalHash _hash;
    private readonly IDisposable? _owner;
    private long _read;
    private bool _verified;

    /// <param name="origin">Where the bytes come from, for error messages (e.g. the request).</param>
    /// <param name="owner">Disposed with the stream (the HTTP response the stream belongs to).</param>
    public VerifyingReadStream(Stream inner, Descriptor expected, string origin, IDisposable? owner = null)
    {
        _inner = inner;
        _expected = expected;
        _origin = origin;
        _owner = owner;
        _hash = ContentDigest.CreateHash(expected.Digest);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _expected.Size;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Account(buffer, _inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, read);
    }

    private int Account(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            _read += read;
            if (_read > _expected.Size)
            {
                throw new InvalidDataException($"{_origin}: blob {_expected.Digest} is longer than its {_expected.Size} bytes.");
            }

            _hash.AppendData(buffer[..read]);
        }
        else if (buffer.Length > 0 && !_verified)
        {
            Verify();
        }

        return read;
    }

    private void Verify()
    {
        if (_read != _expected.Size)
        {
            throw new InvalidDataException($"{_origin}: blob {_expected.Digest} ended after {_read} of its {_expected.Size} bytes.");
        }

        var actual = ContentDigest.FromHash(_expected.Digest.Algorithm, _hash.GetHashAndReset());
        if (actual != _expected.Digest)
        {
            throw new InvalidDataException($"{_origin}: the content's digest is {actual}, not the expected {_expected.Digest}.");
        }

        _verified = true;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _owner?.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
