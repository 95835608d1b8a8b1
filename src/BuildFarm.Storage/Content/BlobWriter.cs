using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;

namespace BuildFarm.Storage.Content;

/// <summary>
/// Takes the bytes of one new blob into a temporary file and hashes them on the way.
/// <see cref="CommitAsync"/> checks them against what was declared and moves the file into place
/// in one rename, so no reader ever sees part of a blob. Disposing without committing leaves nothing behind.
/// </summary>
public sealed class BlobWriter : Stream
{
    private const int FileBufferSize = 64 * 1024;

    private readonly ContentStore _store;
    private readonly string _temporaryPath;
    private readonly Digest? _expectedDigest;
    private readonly long? _expectedSize;
    private readonly string? _leaseId;
    private readonly FileStream _file;
    private readonly DigestingStream _digesting;
    private bool _finished;

    internal BlobWriter(ContentStore store, string temporaryPath, Digest? expectedDigest, long? expectedSize, string? leaseId)
    {
        _store = store;
        _temporaryPath = temporaryPath;
        _expectedDigest = expectedDigest;
        _expectedSize = expectedSize;
        _leaseId = leaseId;
        _file = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileBufferSize);
        _digesting = new DigestingStream(_file);
    }

    /// <summary>How many bytes have been written so far.</summary>
    public long BytesWritten => _digesting.BytesHashed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => BytesWritten;

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException("A blob is written from start to end.");
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Accept(buffer.Length);
        _digesting.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Accept(buffer.Length);
        return _digesting.WriteAsync(buffer, cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

    /// <summary>
    /// Checks the content against the declared digest and size, then makes it a blob of the store
    /// (or finds the store already has it). On a mismatch nothing is stored.
    /// </summary>
    /// <exception cref="BlobMismatchException">The content is not what was declared.</exception>
    public Task<BlobWriteResult> CommitAsync(CancellationToken cancellationToken = default) =>
        CommitAsync(lateExpectedDigest: null, cancellationToken);

    /// <summary>
    /// Commits, checking also <paramref name="lateExpectedDigest"/>: a digest the writer learnt only
    /// after the write began (an <see cref="IBlobUpload"/> is told its digest on commit).
    /// </summary>
    internal async Task<BlobWriteResult> CommitAsync(Digest? lateExpectedDigest, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _finished = true;
        try
        {
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            // Reach the disk before the rename: otherwise a crash could leave a renamed but empty file.
            _file.Flush(flushToDisk: true);
            var digest = _digesting.Digest;
            await _digesting.DisposeAsync().ConfigureAwait(false);
            if (_expectedSize is { } size && BytesWritten != size)
            {
                throw Mismatch($"its content has {BytesWritten} bytes");
            }

            if (_expectedDigest is { } expected && digest != expected)
            {
                throw Mismatch($"its content has digest {digest}");
            }

            if (lateExpectedDigest is { } late && digest != late)
            {
                throw new BlobMismatchException(late, _expectedSize, $"its content has digest {digest}");
            }

            return _store.CommitIngested(_temporaryPath, digest, BytesWritten, _leaseId);
        }
        catch
        {
            try
            {
                _digesting.Dispose();
            }
            finally
            {
                File.Delete(_temporaryPath);
            }

            throw;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A blob is written from start to end.");

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_finished)
            {
                _finished = true;
                _digesting.Dispose();
                File.Delete(_temporaryPath);
            }
        }

        base.Dispose(disposing);
    }

    private void Accept(int count)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_expectedSize is { } size && BytesWritten + count > size)
        {
            // Reject as soon as the content outgrows its declaration rather than store it first.
            Dispose();
            throw Mismatch($"its content is longer than {size} bytes");
        }
    }

    private BlobMismatchException Mismatch(string problem) => new(_expectedDigest, _expectedSize, problem);
}
