namespace BuildFarm.Oci.Blobs;

public sealed class BlobNotFoundException(Digest digest)
    : FileNotFoundException($"Blob {digest} is not in the store.")
{
    public Digest Digest { get; } = digest;
}
