using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Registry;

/// <summary>Where a push reads blobs from: a directory, an OCI layout, the content store.</summary>
public interface IBlobSource
{
    /// <summary>Opens the blob for reading from its start; may be called again for a retry.</summary>
    /// <exception cref="FileNotFoundException">The source does not hold the blob.</exception>
    Task<Stream> OpenReadAsync(Descriptor descriptor, CancellationToken cancellationToken);
}
