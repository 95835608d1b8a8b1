using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;

namespace BuildFarm.Storage.Content;

/// <summary>
/// A <see cref="ContentStore"/> seen through the blob abstractions of BuildFarm.Oci, so that archive
/// import and export, pulls and pushes read and write the store directly. Given a lease, it holds
/// every blob written through it, and every blob it reports present, with that lease: an import
/// that skips blobs the store already has cannot lose them to eviction before its image is named.
/// </summary>
public sealed class ContentStoreBlobs : IBlobStore
{
    private readonly ContentStore _store;
    private readonly string? _leaseId;

    /// <param name="leaseId">A live lease of <paramref name="store"/> that holds what passes through, or null.</param>
    public ContentStoreBlobs(ContentStore store, string? leaseId = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _leaseId = leaseId;
    }

    /// <exception cref="Oci.Blobs.BlobNotFoundException">The store does not hold the blob.</exception>
    public ValueTask<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        try
        {
            return ValueTask.FromResult<Stream>(_store.OpenRead(digest));
        }
        catch (BlobNotFoundException)
        {
            // Callers of IBlobReader know the Oci exception only.
            throw new Oci.Blobs.BlobNotFoundException(digest);
        }
    }

    public ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        if (_leaseId is not null)
        {
            // Lease first, then look: once leased, a blob that is there stays there.
            _store.Leases.Add(_leaseId, digest);
        }

        return ValueTask.FromResult(_store.Exists(digest));
    }

    public ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IBlobUpload>(new Upload(_store.BeginWrite(leaseId: _leaseId)));

    private sealed class Upload(BlobWriter writer) : IBlobUpload
    {
        public Stream Stream => writer;

        /// <exception cref="BlobMismatchException">The content does not have <paramref name="expected"/>; nothing is stored.</exception>
        public async ValueTask<Digest> CommitAsync(Digest? expected = null, CancellationToken cancellationToken = default) =>
            (await writer.CommitAsync(expected, cancellationToken).ConfigureAwait(false)).Blob.Digest;

        public ValueTask DisposeAsync()
        {
            writer.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
