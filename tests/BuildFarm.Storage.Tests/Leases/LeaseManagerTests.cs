using BuildFarm.Oci;
using BuildFarm.Storage.Leases;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Leases;

public sealed class LeaseManagerTests : IDisposable
{
    private readonly TestStore _test = new();

    private LeaseManager Leases => _test.Store.Leases;

    [Fact]
    public async Task A_lease_holds_the_blobs_written_under_it_and_those_added_to_it()
    {
        Leases.Create("build-1", expiresAfter: TimeSpan.FromHours(1));
        var written = await _test.WriteAsync("layer", leaseId: "build-1");
        var future = Text.DigestOf("not written yet");
        Leases.Add("build-1", future);

        var lease = Leases.Get("build-1")!;

        Assert.Equal("build-1", lease.Id);
        Assert.Equal(TestStore.Start, lease.CreatedAt);
        Assert.Equal(TestStore.Start + TimeSpan.FromHours(1), lease.ExpiresAt);
        Assert.Equal(new HashSet<Digest> { written, future }, lease.Blobs);
    }

    [Fact]
    public async Task Writing_a_blob_the_store_already_holds_under_a_lease_adds_it_to_the_lease()
    {
        var digest = await _test.WriteAsync("shared layer");
        Leases.Create("build-2");

        await _test.WriteAsync("shared layer", leaseId: "build-2");

        Assert.Equal([digest], Leases.Get("build-2")!.Blobs);
    }

    [Fact]
    public void A_lease_returned_to_a_caller_is_a_copy()
    {
        var lease = Leases.Create("build-1");

        Leases.Add("build-1", Text.DigestOf("x"));

        Assert.Empty(lease.Blobs);
        Assert.Single(Leases.Get("build-1")!.Blobs);
    }

    [Fact]
    public void A_live_lease_cannot_be_created_twice_but_an_expired_one_can_be_replaced()
    {
        Leases.Create("build-1", expiresAfter: TimeSpan.FromMinutes(1));

        var error = Assert.Throws<InvalidOperationException>(() => Leases.Create("build-1"));
        Assert.Equal("Lease 'build-1' already exists.", error.Message);

        _test.Time.Advance(TimeSpan.FromMinutes(1));
        var replaced = Leases.Create("build-1");
        Assert.Null(replaced.ExpiresAt);
    }

    [Fact]
    public void An_expired_lease_is_gone_for_every_operation()
    {
        Leases.Create("build-1", expiresAfter: TimeSpan.FromMinutes(10));
        _test.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Null(Leases.Get("build-1"));
        Assert.Empty(Leases.List());
        var error = Assert.Throws<LeaseNotFoundException>(() => Leases.Add("build-1", Text.DigestOf("x")));
        Assert.Equal("Lease 'build-1' does not exist or has expired.", error.Message);
        Assert.Equal("build-1", error.LeaseId);
        Assert.Throws<LeaseNotFoundException>(() => Leases.Renew("build-1", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Renewing_moves_the_expiry_from_now()
    {
        Leases.Create("build-1", expiresAfter: TimeSpan.FromMinutes(10));
        _test.Time.Advance(TimeSpan.FromMinutes(9));

        var renewed = Leases.Renew("build-1", TimeSpan.FromMinutes(10));
        _test.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(TestStore.Start + TimeSpan.FromMinutes(19), renewed.ExpiresAt);
        Assert.NotNull(Leases.Get("build-1"));
    }

    [Fact]
    public void Deleted_leases_are_gone_and_the_rest_are_listed_by_id()
    {
        Leases.Create("c");
        Leases.Create("a");
        Leases.Create("b");

        Assert.True(Leases.Delete("b"));
        Assert.False(Leases.Delete("b"));

        Assert.Equal(["a", "c"], Leases.List().Select(lease => lease.Id));
    }

    [Fact]
    public async Task Deleting_a_lease_makes_its_blobs_evictable()
    {
        Leases.Create("build-1");
        var digest = await _test.WriteAsync("layer", leaseId: "build-1");
        Assert.Empty(_test.Store.Evict(0).Evicted);

        Leases.Delete("build-1");

        Assert.Equal([digest], _test.Store.Evict(0).Evicted.Select(blob => blob.Digest));
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Assert.Equal("The value cannot be an empty string or composed entirely of whitespace. (Parameter 'id')", Assert.Throws<ArgumentException>(() => Leases.Create(" ")).Message);
        Assert.Equal(
            "expiresAfter ('00:00:00') must be greater than '00:00:00'. (Parameter 'expiresAfter')\nActual value was 00:00:00.",
            Assert.Throws<ArgumentOutOfRangeException>(() => Leases.Create("x", TimeSpan.Zero)).Message);
    }

    public void Dispose() => _test.Dispose();
}
