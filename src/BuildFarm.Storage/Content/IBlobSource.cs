using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>
/// Where a store gets a blob it lacks: in a cluster, another silo that holds it. The engine asks
/// for each blob a step needs that its own store does not have; a single machine has no source.
/// </summary>
public interface IBlobSource
{
    /// <summary>
    /// Brings <paramref name="digest"/> into <paramref name="store"/>, its content verified against
    /// the digest before it counts as present. Concurrent asks for one blob share one transfer.
    /// </summary>
    /// <param name="hint">A silo likely to hold it, asked first: the silo that ran the step that made it, or that coordinates the build (for its context and downloads); null for none.</param>
    /// <returns>False when no holder of the blob could be found; the store is then unchanged.</returns>
    Task<bool> FetchAsync(ContentStore store, Digest digest, string? hint, CancellationToken cancellationToken);
}
