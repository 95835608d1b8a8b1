using BuildFarm.Oci;
using BuildFarm.Storage.Eviction;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Eviction;

/// <summary>
/// <see cref="Content.ContentStore.EvictAsync"/> and <see cref="Content.ContentStore.PruneAsync"/>:
/// only what the approval lets go goes, and what it let go but the store kept is handed back.
/// </summary>
public sealed class ApprovedEvictionTests : IDisposable
{
    private readonly TestStore _test = new();

    [Fact]
    public async Task An_eviction_asks_in_rounds_drops_only_what_was_approved_and_hands_back_what_it_did_not_need()
    {
        var refused = await _test.WriteAsync("1 oldest, refused");
        var first = await _test.WriteAsync("2 approved");
        var second = await _test.WriteAsync("3 approved too");
        var newest = await _test.WriteAsync("4 newest");
        var approval = new ListedApproval(refused);
        var target = _test.Store.TotalBytes - "2 approved".Length - "3 approved too".Length;

        var result = await _test.Store.EvictAsync(target, approval);

        // The first round offers the two oldest (enough by size); the second offers the next one.
        Assert.Equal([[refused, first], [second]], approval.Asked);
        Assert.Equal([first, second], result.Evicted.Select(blob => blob.Digest));
        Assert.Equal(target, result.BytesRemaining);
        Assert.Empty(approval.Settled);
        Assert.True(_test.Store.Exists(refused) && _test.Store.Exists(newest));
    }

    [Fact]
    public async Task A_prune_hands_back_an_approved_blob_that_a_lease_took_meanwhile()
    {
        var context = await _test.WriteAsync("a context file");
        var layer = await _test.WriteAsync("a layer a build leases while the directory is asked");
        var approval = new ListedApproval(refused: default);
        approval.OnAsk = () =>
        {
            _test.Store.Leases.Create("build");
            _test.Store.Leases.Add("build", layer);
        };

        var result = await _test.Store.PruneAsync(new HashSet<Digest>(), approval);

        Assert.Equal([context], result.Evicted.Select(blob => blob.Digest));
        Assert.Equal([[layer]], approval.Settled);
        Assert.True(_test.Store.Exists(layer));
    }

    public void Dispose() => _test.Dispose();

    /// <summary>Refuses one digest and approves the rest, recording what it was asked and handed back.</summary>
    private sealed class ListedApproval(Digest refused) : IBlobDropApproval
    {
        public List<List<Digest>> Asked { get; } = [];

        public List<List<Digest>> Settled { get; } = [];

        public Action? OnAsk { get; set; }

        public Task<IReadOnlySet<Digest>> ApproveAsync(IReadOnlyList<Digest> candidates, CancellationToken cancellationToken = default)
        {
            Asked.Add([.. candidates]);
            OnAsk?.Invoke();
            return Task.FromResult<IReadOnlySet<Digest>>(candidates.Where(digest => digest != refused).ToHashSet());
        }

        public Task SettleAsync(IReadOnlyList<Digest> kept, CancellationToken cancellationToken = default)
        {
            Settled.Add([.. kept]);
            return Task.CompletedTask;
        }
    }
}
