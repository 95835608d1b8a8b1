using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>
/// Passes a blob's bytes through while hashing and counting them, and throws instead of ending
/// when they are not the blob the descriptor names: more or fewer bytes, or another digest.
/// </summary>
internal sealed class VerifyingReadStream : Stream
{
    private readonly DigestingStream _inner;
    private readonly Descriptor _expected;
    private readonly string _origin;
    private readonly IDisposable? _owner;
    private bool _verified;

    /// <param name="origin">Where the bytes come from, for error messages (e.g. the request).</param>
    /// <param name="owner">Disposed with the stream (the HTTP response the stream belongs to).</param>
    public VerifyingReadStream(Stream inner, Descriptor expected, string origin, IDisposable? owner = null)
    {
        RegistryClient.RequireSha256(expected.Digest, origin);
        _inner = new DigestingStream(inner);
        _expected = expected;
        _origin = origin;
        _owner = owner;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _expected.Size;

    public override long Position
    {
        get => _inner.BytesHashed;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    // Once verified, the end is not read again: the digest is taken and the hash closed.
    public override int Read(Span<byte> buffer) => _verified ? 0 : Check(buffer.Length, _inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _verified ? 0 : Check(buffer.Length, await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Check(int asked, int read)
    {
        if (_inner.BytesHashed > _expected.Size)
        {
            throw new InvalidDataException($"{_origin}: blob {_expected.Digest} is longer than its {_expected.Size} bytes.");
        }

        if (read == 0 && asked > 0)
        {
            if (_inner.BytesHashed != _expected.Size)
            {
                throw new InvalidDataException($"{_origin}: blob {_expected.Digest} ended after {_inner.BytesHashed} of its {_expected.Size} bytes.");
            }

            if (_inner.Digest != _expected.Digest)
            {
                throw new InvalidDataException($"{_origin}: the content's digest is {_inner.Digest}, not the expected {_expected.Digest}.");
            }

            _verified = true;
        }

        return read;
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
        }

        base.Dispose(disposing);
    }
}
