using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Eviction;

/// <summary>A store of at most 100 bytes that evicts down to 60; blobs of 20 bytes, one a minute.</summary>
public sealed class LruEvictionTests : IDisposable
{
    private static readonly string A = new('a', 20);
    private static readonly string B = new('b', 20);
    private static readonly string C = new('c', 20);
    private static readonly string D = new('d', 20);
    private static readonly string E = new('e', 30);

    private readonly TestStore _test = new(maxBytes: 100, lowWaterBytes: 60);

    private ContentStore Store => _test.Store;

    [Fact]
    public async Task A_write_over_the_maximum_evicts_least_recently_used_first_down_to_the_low_water_mark()
    {
        var (a, b, c, d) = (await _test.WriteAsync(A), await _test.WriteAsync(B), await _test.WriteAsync(C), await _test.WriteAsync(D));
        await _test.ReadAsync(a);
        Assert.Equal(80, Store.TotalBytes);

        var result = await WriteAsync(E);

        Assert.Equal([Blob(b, 20, 2), Blob(c, 20, 3), Blob(d, 20, 4)], result.Eviction!.Evicted);
        Assert.Equal(60, result.Eviction.BytesEvicted);
        Assert.Equal(50, result.Eviction.BytesRemaining);
        Assert.Equal([Blob(a, 20, 5), Blob(Text.DigestOf(E), 30, 6)], Store.List());
        Assert.Equal(new[] { a.Hex, Text.DigestOf(E).Hex }.Order(StringComparer.Ordinal), _test.FilesIn(_test.BlobsDirectory));
    }

    [Fact]
    public async Task A_write_that_stays_within_the_maximum_evicts_nothing()
    {
        await _test.WriteAsync(A);
        await _test.WriteAsync(B);
        await _test.WriteAsync(C);
        await _test.WriteAsync(D);

        var result = await WriteAsync(new string('x', 20));

        Assert.Null(result.Eviction);
        Assert.Equal(100, Store.TotalBytes);
    }

    [Fact]
    public async Task The_blob_a_write_just_stored_is_spared_by_the_eviction_it_sets_off()
    {
        var a = await _test.WriteAsync(A);
        var b = await _test.WriteAsync(B);

        var result = await WriteAsync(new string('z', 90));

        Assert.Equal([a, b], result.Eviction!.Evicted.Select(blob => blob.Digest));
        Assert.Equal(90, result.Eviction.BytesRemaining);
        Assert.True(Store.Exists(result.Blob.Digest));
    }

    [Fact]
    public async Task Explicit_eviction_to_zero_removes_every_blob_nothing_holds()
    {
        var a = await _test.WriteAsync(A);
        var b = await _test.WriteAsync(B);

        var result = Store.Evict(0);

        Assert.Equal([Blob(a, 20, 1), Blob(b, 20, 2)], result.Evicted);
        Assert.Equal((40L, 0L), (result.BytesEvicted, result.BytesRemaining));
        Assert.Empty(_test.FilesIn(_test.BlobsDirectory));
    }

    [Fact]
    public async Task A_leased_blob_is_skipped_and_the_next_least_recent_ones_go_instead()
    {
        _test.Store.Leases.Create("build-1");
        var (a, b, c, d) = (await _test.WriteAsync(A), await _test.WriteAsync(B), await _test.WriteAsync(C, leaseId: "build-1"), await _test.WriteAsync(D));

        var result = await WriteAsync(E);

        Assert.Equal([a, b, d], result.Eviction!.Evicted.Select(blob => blob.Digest));
        Assert.Equal([c, Text.DigestOf(E)], Store.List().Select(blob => blob.Digest));
    }

    [Fact]
    public async Task A_lease_stops_protecting_once_it_expires()
    {
        _test.Store.Leases.Create("build-1", expiresAfter: TimeSpan.FromMinutes(5));
        var (a, b, c, _) = (await _test.WriteAsync(A), await _test.WriteAsync(B), await _test.WriteAsync(C, leaseId: "build-1"), await _test.WriteAsync(D));

        // E is written at minute 5, when the lease expires.
        var result = await WriteAsync(E);

        Assert.Equal([a, b, c], result.Eviction!.Evicted.Select(blob => blob.Digest));
        Assert.Null(Store.Leases.Get("build-1"));
    }

    [Fact]
    public async Task A_lease_still_protects_a_moment_before_it_expires()
    {
        _test.Store.Leases.Create("build-1", expiresAfter: TimeSpan.FromMinutes(5) + TimeSpan.FromTicks(1));
        var (a, b, _, d) = (await _test.WriteAsync(A), await _test.WriteAsync(B), await _test.WriteAsync(C, leaseId: "build-1"), await _test.WriteAsync(D));

        var result = await WriteAsync(E);

        Assert.Equal([a, b, d], result.Eviction!.Evicted.Select(blob => blob.Digest));
    }

    [Fact]
    public async Task When_everything_is_held_the_store_stays_above_its_target()
    {
        _test.Store.Leases.Create("build-1");
        await _test.WriteAsync(A, leaseId: "build-1");
        await _test.WriteAsync(B, leaseId: "build-1");

        var result = Store.Evict(0);

        Assert.Empty(result.Evicted);
        Assert.Equal((0L, 40L), (result.BytesEvicted, result.BytesRemaining));
    }

    [Fact]
    public async Task The_order_of_use_survives_a_reopen()
    {
        var (a, b, c) = (await _test.WriteAsync(A), await _test.WriteAsync(B), await _test.WriteAsync(C));
        await _test.ReadAsync(a);

        _test.Reopen();

        Assert.Equal([Blob(b, 20, 2), Blob(c, 20, 3), Blob(a, 20, 4)], Store.List());
    }

    [Fact]
    public async Task A_record_torn_by_a_crash_is_ignored_at_the_next_open()
    {
        var (a, b) = (await _test.WriteAsync(A), await _test.WriteAsync(B));
        await _test.ReadAsync(a);
        _test.Store.Dispose();
        using (var log = new FileStream(Path.Combine(_test.DataDirectory, "blobs", "access.log"), FileMode.Append))
        {
            log.Write(Convert.FromHexString(b.Hex).AsSpan(0, 17));
        }

        _test.Reopen();
        await _test.ReadAsync(b);
        _test.Reopen();

        Assert.Equal([Blob(a, 20, 3), Blob(b, 20, 4)], Store.List());
    }

    [Fact]
    public async Task Blobs_the_access_log_never_saw_count_as_least_recent_by_modification_time()
    {
        var a = await _test.WriteAsync(A);
        var stray = Text.DigestOf("stray");
        var strayPath = _test.BlobPath(stray);
        File.WriteAllText(strayPath, "stray");
        var strayTime = TestStore.Start - TimeSpan.FromDays(1);
        File.SetLastWriteTimeUtc(strayPath, strayTime.UtcDateTime);

        _test.Reopen();

        Assert.Equal([new BlobInfo(stray, 5, strayTime), Blob(a, 20, 1)], Store.List());
    }

    [Fact]
    public async Task A_long_run_of_uses_keeps_the_access_log_compact()
    {
        var a = await _test.WriteAsync(A);
        for (var i = 0; i < 3000; i++)
        {
            await _test.ReadAsync(a);
        }

        var logLength = new FileInfo(Path.Combine(_test.DataDirectory, "blobs", "access.log")).Length;
        _test.Reopen();

        Assert.InRange(logLength, 40, 40 * 1027);
        Assert.Equal([Blob(a, 20, 3001)], Store.List());
    }

    public void Dispose() => _test.Dispose();

    private static BlobInfo Blob(Digest digest, long size, int minute) => new(digest, size, TestStore.Start + TimeSpan.FromMinutes(minute));

    private Task<BlobWriteResult> WriteAsync(string text)
    {
        _test.Time.Advance(TimeSpan.FromMinutes(1));
        var bytes = Text.Bytes(text);
        return Store.WriteAsync(new MemoryStream(bytes), Digest.Sha256(bytes), bytes.Length);
    }
}
