using BuildFarm.Oci;

namespace BuildFarm.Storage.Leases;

/// <summary>
/// A claim by running work (a build, a pull) on blobs it uses: while the lease lives, eviction
/// leaves its blobs alone. A lease with no expiry lives until it is deleted.
/// </summary>
public sealed record Lease(string Id, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, IReadOnlySet<Digest> Blobs)
{
    public bool IsExpiredAt(DateTimeOffset now) => HasExpired(ExpiresAt, now);

    internal static bool HasExpired(DateTimeOffset? expiresAt, DateTimeOffset now) => expiresAt is { } expiry && now >= expiry;
}
