using BuildFarm.Oci;
using BuildFarm.Storage.Eviction;

namespace BuildFarm.Grains.Layers;

/// <summary>
/// A silo's evictions and prunes, agreed with the blob directory: each blob the store would drop
/// is offered to its <see cref="ILayerGrain"/>, which refuses when the blob is needed and this
/// silo is its last known holder, and otherwise stops listing this silo as a holder.
/// </summary>
/// <param name="silo">This silo's name, as the directory lists holders.</param>
/// <param name="needs">What the cluster needs kept now.</param>
public sealed class DirectoryDropApproval(IGrainFactory grains, string silo, ClusterBlobNeeds needs) : IBlobDropApproval
{
    // Bounds the directory calls in flight at once: a prune may offer thousands of blobs.
    private const int Parallelism = 32;

    public async Task<IReadOnlySet<Digest>> ApproveAsync(IReadOnlyList<Digest> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var needed = await needs.ListAsync(cancellationToken).ConfigureAwait(false);
        var approved = new HashSet<Digest>();
        foreach (var chunk in candidates.Chunk(Parallelism))
        {
            var answers = chunk.Select(digest => (Digest: digest, Released: Layer(digest).ReleaseReplicaAsync(silo, needed.Contains(digest)))).ToList();
            try
            {
                await Task.WhenAll(answers.Select(static answer => answer.Released)).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Nothing is dropped after all: list this silo again wherever it was let go, so the directory still finds its replicas.
                approved.UnionWith(answers.Where(static answer => answer.Released.IsCompletedSuccessfully && answer.Released.Result).Select(static answer => answer.Digest));
                await SettleAsync([.. approved], CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            approved.UnionWith(answers.Where(static answer => answer.Released.Result).Select(static answer => answer.Digest));
        }

        return approved;
    }

    public async Task SettleAsync(IReadOnlyList<Digest> kept, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kept);
        foreach (var chunk in kept.Chunk(Parallelism))
        {
            await Task.WhenAll(chunk.Select(digest => Layer(digest).KeepReplicaAsync(silo))).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private ILayerGrain Layer(Digest digest) => grains.GetGrain<ILayerGrain>(digest.ToString());
}
