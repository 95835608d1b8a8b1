using BuildFarm.Oci.Images;

namespace BuildFarm.Storage.Images;

/// <summary>
/// Where image names live: the silo's own <see cref="ImageStore"/> on one machine
/// (<see cref="LocalImageNames"/>), or the cluster's, so that every silo sees the same names.
/// Names are normalised by the caller (<c>docker.io/library/app:1.0</c>).
/// </summary>
public interface IImageNames
{
    Task<ImageRecord?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>All names, in ordinal order.</summary>
    Task<IReadOnlyList<ImageRecord>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Names <paramref name="target"/> (a manifest or index), replacing what the name named; returns what it named before, or null.</summary>
    Task<ImageRecord?> SetAsync(string name, Descriptor target, CancellationToken cancellationToken = default);

    /// <summary>Removes a name; false when there was none.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}
