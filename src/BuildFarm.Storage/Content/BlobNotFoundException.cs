using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>Thrown when a blob is asked for that the content store does not hold.</summary>
public sealed class BlobNotFoundException : FileNotFoundException
{
    public BlobNotFoundException(Digest digest, string blobsDirectory)
        : base($"Blob {digest} is not in the content store at {blobsDirectory}.")
    {
        Digest = digest;
    }

    public Digest Digest { get; }
}
