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

    [Fact]
    public async Task Once_coordinated_a_write_over_the_limit_evicts_in_the_background_as_approved_sparing_what_it_wrote()
    {
        using var small = new TestStore(maxBytes: 20, lowWaterBytes: 0);
        var refused = await small.WriteAsync("aaaaaaaaaa");
        var evictable = await small.WriteAsync("bbbbbbbbbb");
        var evicted = new TaskCompletionSource<EvictionResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        small.Store.Evicted += result => evicted.TrySetResult(result);
        var approval = new ListedApproval(refused);
        small.Store.CoordinateEvictionWith(approval);

        var bytes = "cccccccccc"u8.ToArray();
        var written = await small.Store.WriteAsync(new MemoryStream(bytes), Digest.Sha256(bytes), bytes.Length);
        var result = await evicted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(written.Eviction);
        Assert.Equal([[refused, evictable]], approval.Asked);
        Assert.Equal([evictable], result.Evicted.Select(blob => blob.Digest));
        Assert.Equal(Sorted(refused, written.Blob.Digest), Sorted(small.Store.List().Select(blob => blob.Digest)));
    }

    [Fact]
    public async Task A_background_eviction_whose_approval_fails_drops_nothing_and_says_why()
    {
        using var small = new TestStore(maxBytes: 10, lowWaterBytes: 0);
        var kept = await small.WriteAsync("aaaaaaaaaa");
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        small.Store.EvictionFailed += error => failed.TrySetResult(error);
        small.Store.CoordinateEvictionWith(new UnreachableApproval());

        var written = await small.WriteAsync("bbbbbbbbbb");
        var error = await failed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("the directory cannot be reached", error.Message);
        Assert.Equal(Sorted(kept, written), Sorted(small.Store.List().Select(blob => blob.Digest)));
    }

    public void Dispose() => _test.Dispose();

    private static List<string> Sorted(params IEnumerable<Digest> digests) => [.. digests.Select(static digest => digest.ToString()).Order(StringComparer.Ordinal)];

    private sealed class UnreachableApproval : IBlobDropApproval
    {
        public Task<IReadOnlySet<Digest>> ApproveAsync(IReadOnlyList<Digest> candidates, CancellationToken cancellationToken = default) =>
            throw new IOException("the directory cannot be reached");

        public Task SettleAsync(IReadOnlyList<Digest> kept, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

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
