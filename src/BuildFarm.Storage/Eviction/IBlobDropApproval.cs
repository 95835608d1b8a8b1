using BuildFarm.Oci;

namespace BuildFarm.Storage.Eviction;

/// <summary>
/// Who must agree before a store drops blobs it may evict by its own rules. On one machine nobody
/// else does (<see cref="LocalBlobDropApproval"/>); in a cluster the blob directory does, so that
/// no silo drops the last replica of a blob that something still needs.
/// </summary>
public interface IBlobDropApproval
{
    /// <summary>
    /// Which of <paramref name="candidates"/> the store may drop. An approved blob counts as dropped
    /// from then on; the store reports through <see cref="SettleAsync"/> which it kept after all.
    /// </summary>
    Task<IReadOnlySet<Digest>> ApproveAsync(IReadOnlyList<Digest> candidates, CancellationToken cancellationToken = default);

    /// <summary>Approved blobs the store kept after all (used or leased meanwhile, or not needed to reach its target).</summary>
    Task SettleAsync(IReadOnlyList<Digest> kept, CancellationToken cancellationToken = default);
}
