using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Leases;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Content;

/// <summary>ContentStore.WriteBatch: many small blobs, each verified, stored with one sync; a bad one is refused alone.</summary>
public sealed class BatchWriteTests : IDisposable
{
    private readonly TestStore _test = new();

    private ContentStore Store => _test.Store;

    [Fact]
    public async Task A_batch_stores_every_blob_byte_for_byte_and_leaves_nothing_in_ingest()
    {
        var result = Store.WriteBatch([Blob("one"), Blob(string.Empty), Blob("three")]);

        Assert.Equal(
            [
                BatchBlobOutcome.Stored(new BlobInfo(Text.DigestOf("one"), 3, TestStore.Start), created: true),
                BatchBlobOutcome.Stored(new BlobInfo(Text.DigestOf(string.Empty), 0, TestStore.Start), created: true),
                BatchBlobOutcome.Stored(new BlobInfo(Text.DigestOf("three"), 5, TestStore.Start), created: true),
            ],
            result.Blobs);
        Assert.Null(result.Eviction);
        Assert.Equal("one", await _test.ReadAsync(Text.DigestOf("one")));
        Assert.Equal(string.Empty, await _test.ReadAsync(Text.DigestOf(string.Empty)));
        Assert.Equal("three", await _test.ReadAsync(Text.DigestOf("three")));
        Assert.Equal(8, Store.TotalBytes);
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public void A_blob_whose_content_does_not_match_is_refused_alone_and_leaves_nothing()
    {
        var wrongDigest = new BatchBlob(Text.DigestOf("jello"), 5, Text.Bytes("hello"));
        var wrongSize = new BatchBlob(Text.DigestOf("short"), 10, Text.Bytes("short"));

        var result = Store.WriteBatch([Blob("before"), wrongDigest, Blob("between"), wrongSize, Blob("after")]);

        Assert.Equal([true, false, true, false, true], result.Blobs.Select(static b => b.Failure is null));
        Assert.Equal($"Blob {Text.DigestOf("jello")} (5 bytes) was not stored: its content has digest {Text.DigestOf("hello")}.", result.Blobs[1].Failure!.Message);
        Assert.Equal($"Blob {Text.DigestOf("short")} (10 bytes) was not stored: its content has 5 bytes.", result.Blobs[3].Failure!.Message);
        Assert.Equal(new BatchBlobOutcome(null, false, result.Blobs[1].Failure), result.Blobs[1]);
        Assert.Equal(
            new[] { "after", "before", "between" }.Select(Text.DigestOf).Select(static d => d.Hex).Order(StringComparer.Ordinal),
            _test.FilesIn(_test.BlobsDirectory));
        Assert.False(Store.Exists(Text.DigestOf("hello")));
        Assert.False(Store.Exists(Text.DigestOf("jello")));
        Assert.False(Store.Exists(Text.DigestOf("short")));
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public async Task A_blob_already_held_is_not_written_again_and_one_repeated_in_the_batch_is_stored_once()
    {
        var held = await _test.WriteAsync("held");
        _test.Time.Advance(TimeSpan.FromMinutes(1));

        var result = Store.WriteBatch([Blob("held"), Blob("new"), Blob("new")]);

        var now = TestStore.Start + TimeSpan.FromMinutes(2);
        Assert.Equal(
            [
                BatchBlobOutcome.Stored(new BlobInfo(held, 4, now), created: false),
                BatchBlobOutcome.Stored(new BlobInfo(Text.DigestOf("new"), 3, now), created: true),
                BatchBlobOutcome.Stored(new BlobInfo(Text.DigestOf("new"), 3, now), created: false),
            ],
            result.Blobs);
        Assert.Equal(2, Store.List().Count);
    }

    [Fact]
    public void A_repeated_blob_whose_first_copy_is_corrupt_is_stored_from_the_good_copy()
    {
        var corrupt = new BatchBlob(Text.DigestOf("good"), 4, Text.Bytes("evil"));

        var result = Store.WriteBatch([corrupt, Blob("good")]);

        Assert.NotNull(result.Blobs[0].Failure);
        Assert.Equal(BatchBlobOutcome.Stored(new BlobInfo(Text.DigestOf("good"), 4, TestStore.Start), created: true), result.Blobs[1]);
        Assert.Equal([Text.DigestOf("good").Hex], _test.FilesIn(_test.BlobsDirectory));
    }

    [Fact]
    public void A_batch_under_a_lease_holds_its_blobs_from_pruning()
    {
        Store.Leases.Create("build-1");

        Store.WriteBatch([Blob("leased-a"), Blob("leased-b")], leaseId: "build-1");
        _test.Time.Advance(TimeSpan.FromMinutes(1));
        var unleased = Store.WriteBatch([Blob("unleased")]);
        var pruned = Store.Evict(0);

        Assert.Equal([Text.DigestOf("unleased")], pruned.Evicted.Select(static b => b.Digest));
        Assert.Equal(new[] { Text.DigestOf("leased-a"), Text.DigestOf("leased-b") }.ToHashSet(), Store.Leases.Get("build-1")!.Blobs);
        Assert.True(Store.Exists(Text.DigestOf("leased-a")));
        Assert.True(Store.Exists(Text.DigestOf("leased-b")));
        Assert.True(unleased.Blobs[0].Created);
    }

    [Fact]
    public void A_batch_under_a_lease_that_is_not_live_stores_nothing()
    {
        var error = Assert.Throws<LeaseNotFoundException>(() => Store.WriteBatch([Blob("a"), Blob("b")], leaseId: "gone"));

        Assert.Equal("Lease 'gone' does not exist or has expired.", error.Message);
        Assert.Empty(Store.List());
        Assert.Empty(_test.FilesIn(_test.BlobsDirectory));
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public async Task A_batch_that_outgrows_the_store_evicts_older_blobs_but_never_its_own_nor_leased_ones()
    {
        using var small = new TestStore(maxBytes: 100, lowWaterBytes: 50);
        small.Store.Leases.Create("build-1");
        var leased = await small.WriteAsync(new string('l', 30), leaseId: "build-1");
        var old = await small.WriteAsync(new string('o', 30));
        small.Time.Advance(TimeSpan.FromMinutes(1));

        var result = small.Store.WriteBatch([Blob(new string('a', 30)), Blob(new string('b', 30))]);

        Assert.Equal([old], result.Eviction!.Evicted.Select(static b => b.Digest));
        Assert.Equal(
            new[] { leased, Text.DigestOf(new string('a', 30)), Text.DigestOf(new string('b', 30)) }.ToHashSet(),
            small.Store.List().Select(static b => b.Digest).ToHashSet());
        Assert.Equal(90, small.Store.TotalBytes);
    }

    [Fact]
    public void A_batch_cancelled_before_its_sync_stores_nothing_and_leaves_nothing_in_ingest()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => Store.WriteBatch([Blob("a")], cancellationToken: cancelled.Token));

        Assert.Empty(Store.List());
        Assert.Empty(_test.FilesIn(_test.IngestDirectory));
    }

    [Fact]
    public async Task Blobs_of_a_batch_are_there_after_the_store_is_opened_again()
    {
        Store.WriteBatch([Blob("durable-1"), Blob("durable-2")]);

        _test.Reopen();

        Assert.Equal("durable-1", await _test.ReadAsync(Text.DigestOf("durable-1")));
        Assert.Equal("durable-2", await _test.ReadAsync(Text.DigestOf("durable-2")));
        Assert.Empty((await Store.CheckAsync()).Corrupt);
    }

    public void Dispose() => _test.Dispose();

    private static BatchBlob Blob(string text) => new(Text.DigestOf(text), Text.Bytes(text).Length, Text.Bytes(text));
}
