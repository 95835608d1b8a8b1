using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Images;

/// <summary>
/// Blobs arriving for images not named yet (a load, a pull). Everything written through
/// <see cref="Blobs"/>, and everything it finds present, is held by a lease until
/// <see cref="Dispose"/>, so eviction cannot take an image's blobs before the image is named.
/// </summary>
public sealed class ImageImport : IDisposable
{
    private readonly ContentStore _store;
    private readonly string _leaseId;

    internal ImageImport(ContentStore store)
    {
        _store = store;
        _leaseId = $"image-import-{Guid.NewGuid():N}";
        store.Leases.Create(_leaseId);
        Blobs = new ContentStoreBlobs(store, _leaseId);
    }

    public ContentStoreBlobs Blobs { get; }

    public void Dispose() => _store.Leases.Delete(_leaseId);
}
