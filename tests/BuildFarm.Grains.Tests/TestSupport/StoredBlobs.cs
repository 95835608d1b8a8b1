using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>Whole blobs in and out of a silo's store.</summary>
public static class StoredBlobs
{
    public static async Task<byte[]> ReadAsync(ContentStore store, Digest digest)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var stream = store.OpenRead(digest);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public static async Task<Digest> WriteAsync(ContentStore store, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(store);
        var digest = Digest.Sha256(bytes);
        using var stream = new MemoryStream(bytes);
        await store.WriteAsync(stream, digest, bytes.Length, leaseId: null, CancellationToken.None);
        return digest;
    }
}
