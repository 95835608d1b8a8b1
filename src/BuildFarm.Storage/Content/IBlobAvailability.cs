using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>
/// Makes blobs local before they are read. On one machine a blob the store lacks is simply not
/// there (<see cref="LocalBlobAvailability"/>); in a cluster the missing ones are fetched from the
/// silos that hold them, so that any silo can save, push or list an image named on another.
/// </summary>
public interface IBlobAvailability
{
    /// <summary>
    /// Fetches what the store lacks of <paramref name="digests"/>, if it can. A blob it cannot find
    /// anywhere stays missing: the read that needs it then fails as usual.
    /// </summary>
    Task EnsureLocalAsync(IReadOnlyCollection<Digest> digests, CancellationToken cancellationToken = default);
}

/// <summary>The store holds what it holds: nothing is fetched.</summary>
public sealed class LocalBlobAvailability : IBlobAvailability
{
    public static LocalBlobAvailability Instance { get; } = new();

    public Task EnsureLocalAsync(IReadOnlyCollection<Digest> digests, CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>Fetches the blobs the store lacks from a <see cref="IBlobSource"/>, a few at once to overlap the round trips.</summary>
public sealed class SourcedBlobAvailability(ContentStore store, IBlobSource source) : IBlobAvailability
{
    /// <summary>How many blobs are fetched at once: enough to overlap the round trips, few enough to leave the peers' bandwidth to the steps that run.</summary>
    public const int ParallelFetches = 8;

    public Task EnsureLocalAsync(IReadOnlyCollection<Digest> digests, CancellationToken cancellationToken = default) =>
        Parallel.ForEachAsync(
            digests.Where(digest => !store.Exists(digest)).Distinct().ToList(),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelFetches, CancellationToken = cancellationToken },
            async (digest, token) => await source.FetchAsync(store, digest, hint: null, token).ConfigureAwait(false));
}
