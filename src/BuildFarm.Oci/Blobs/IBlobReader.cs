namespace BuildFarm.Oci.Blobs;

/// <summary>Where blobs are read from, by digest (a content store, an OCI layout's blobs directory).</summary>
public interface IBlobReader
{
    /// <summary>Opens a blob for reading from its start.</summary>
    /// <exception cref="BlobNotFoundException">The blob is not there.</exception>
    ValueTask<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken = default);

    ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken = default);
}
