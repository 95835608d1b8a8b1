using BuildFarm.Oci;

namespace BuildFarm.Storage.Content.Internal;

/// <summary>Where the content store keeps things under the data directory.</summary>
internal sealed class BlobPaths
{
    public BlobPaths(string dataDirectory)
    {
        Root = Path.Combine(dataDirectory, "blobs");
        Sha256 = Path.Combine(Root, "sha256");
        // In the same directory tree as the blobs, hence on the same filesystem: a rename into
        // place is atomic only within one filesystem.
        Ingest = Path.Combine(Root, "ingest");
        AccessLog = Path.Combine(Root, "access.log");
        Lock = Path.Combine(Root, "store.lock");
    }

    public string Root { get; }

    public string Sha256 { get; }

    public string Ingest { get; }

    public string AccessLog { get; }

    public string Lock { get; }

    public string BlobPath(Digest digest) => Path.Combine(Sha256, digest.Hex);

    public string NewIngestPath() => Path.Combine(Ingest, Guid.NewGuid().ToString("N") + ".tmp");
}
