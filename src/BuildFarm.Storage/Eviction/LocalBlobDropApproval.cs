using BuildFarm.Oci;

namespace BuildFarm.Storage.Eviction;

/// <summary>The store alone decides: every blob its own rules let go may go (one machine).</summary>
public sealed class LocalBlobDropApproval : IBlobDropApproval
{
    public static LocalBlobDropApproval Instance { get; } = new();

    public Task<IReadOnlySet<Digest>> ApproveAsync(IReadOnlyList<Digest> candidates, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<Digest>>(candidates.ToHashSet());

    public Task SettleAsync(IReadOnlyList<Digest> kept, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
