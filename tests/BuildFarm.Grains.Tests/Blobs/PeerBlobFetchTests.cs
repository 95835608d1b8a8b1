using System.Collections.Concurrent;
using BuildFarm.Grains.Blobs;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace BuildFarm.Grains.Tests.Blobs;

/// <summary>Blobs one silo fetches from another over the holder's worker, chunk by chunk.</summary>
public sealed class PeerBlobFetchTests
{
    [Fact]
    public async Task A_holder_serves_a_blob_in_chunks_of_its_own_size_and_the_fetcher_stores_exactly_its_bytes()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1, replicas: 1);
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var small = await StoredBlobs.WriteAsync(farm.Store(a), Bytes(100, seed: 1));
        var large = await StoredBlobs.WriteAsync(farm.Store(a), Bytes((2 * WorkerGrain.ChunkBytes) + 12345, seed: 2));
        var holder = farm.Cluster.Client.GetGrain<IWorkerGrain>(FarmCluster.NameOf(a));

        Assert.Equal([100], await ChunkSizesAsync(holder, small));
        Assert.Equal([WorkerGrain.ChunkBytes, WorkerGrain.ChunkBytes, 12345], await ChunkSizesAsync(holder, large));
        Assert.Empty(await ChunkSizesAsync(holder, Digest.Sha256([9])));

        var source = b.ServiceProvider.GetRequiredService<IBlobSource>();
        Assert.True(await source.FetchAsync(farm.Store(b), small, hint: FarmCluster.NameOf(a), CancellationToken.None));
        Assert.True(await source.FetchAsync(farm.Store(b), large, hint: FarmCluster.NameOf(a), CancellationToken.None));

        Assert.Equal(Bytes(100, seed: 1), await StoredBlobs.ReadAsync(farm.Store(b), small));
        Assert.Equal(Bytes((2 * WorkerGrain.ChunkBytes) + 12345, seed: 2), await StoredBlobs.ReadAsync(farm.Store(b), large));
        Assert.Equal((2L, 100L + (2 * WorkerGrain.ChunkBytes) + 12345), (farm.Metrics(b).PeerFetchedBlobs, farm.Metrics(b).PeerFetchedBytes));
    }

    [Fact]
    public async Task A_holder_whose_copy_is_corrupt_serves_none_of_it_and_drops_it_and_the_fetcher_stores_nothing()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1, replicas: 1);
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var digest = await StoredBlobs.WriteAsync(farm.Store(a), Bytes(300, seed: 3));
        // The same size, other bytes: only the digest, checked at the end of the read, can tell.
        await File.WriteAllBytesAsync(Path.Combine(farm.Store(a).DataDirectory, "blobs", "sha256", digest.Hex), Bytes(300, seed: 4));

        var source = b.ServiceProvider.GetRequiredService<IBlobSource>();
        Assert.False(await source.FetchAsync(farm.Store(b), digest, hint: FarmCluster.NameOf(a), CancellationToken.None));

        Assert.Equal((false, false), (farm.Store(b).Exists(digest), farm.Store(a).Exists(digest)));
        Assert.Equal(0L, farm.Metrics(b).PeerFetchedBlobs);
    }

    [Fact]
    public async Task A_fetch_takes_the_blob_from_the_hint_or_else_from_a_holder_its_layer_grain_lists_and_lists_the_fetcher_as_a_holder_too()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 3, slots: 1, replicas: 1);
        var (a, b, c) = (farm.Silos[0], farm.Silos[1], farm.Silos[2]);
        var heldByA = await StoredBlobs.WriteAsync(farm.Store(a), Bytes(200, seed: 5));
        var heldByC = await StoredBlobs.WriteAsync(farm.Store(c), Bytes(200, seed: 6));
        var info = new LayerInfo { MediaType = "application/vnd.oci.image.layer.v1.tar+gzip", Size = 200, DiffId = Digest.Sha256([1]).ToString() };
        ILayerGrain LayerOf(Digest digest) => farm.Cluster.Client.GetGrain<ILayerGrain>(digest.ToString());
        await LayerOf(heldByA).RecordAsync(info, FarmCluster.NameOf(a));
        await LayerOf(heldByC).RecordAsync(info, FarmCluster.NameOf(c));
        var source = b.ServiceProvider.GetRequiredService<IBlobSource>();

        Assert.True(await source.FetchAsync(farm.Store(b), heldByA, hint: FarmCluster.NameOf(a), CancellationToken.None));
        // A, the hint, lacks this one: C, which its grain lists, sends it.
        Assert.True(await source.FetchAsync(farm.Store(b), heldByC, hint: FarmCluster.NameOf(a), CancellationToken.None));

        Assert.Equal(Bytes(200, seed: 5), await StoredBlobs.ReadAsync(farm.Store(b), heldByA));
        Assert.Equal(Bytes(200, seed: 6), await StoredBlobs.ReadAsync(farm.Store(b), heldByC));
        // The fetcher is listed after the fetch has returned.
        Assert.Equal(new[] { FarmCluster.NameOf(a), FarmCluster.NameOf(b) }.Order(StringComparer.Ordinal), await HoldersOnceListedAsync(LayerOf(heldByA), FarmCluster.NameOf(b)));
        Assert.Equal(new[] { FarmCluster.NameOf(b), FarmCluster.NameOf(c) }.Order(StringComparer.Ordinal), await HoldersOnceListedAsync(LayerOf(heldByC), FarmCluster.NameOf(b)));
        Assert.False(farm.Store(a).Exists(heldByC));
    }

    [Fact]
    public async Task A_holder_reads_small_blobs_whole_in_one_call_and_leaves_what_does_not_fit_for_the_next()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1, slots: 1, replicas: 1);
        var store = farm.Store(farm.Silos[0]);
        var small = await StoredBlobs.WriteAsync(store, Bytes(100, seed: 7));
        var large = await StoredBlobs.WriteAsync(store, Bytes(IWorkerGrain.SmallBlobBytes + 1, seed: 8));
        var first = await StoredBlobs.WriteAsync(store, Bytes(600 * 1024, seed: 9));
        var second = await StoredBlobs.WriteAsync(store, Bytes(600 * 1024, seed: 10));
        var last = await StoredBlobs.WriteAsync(store, Bytes(50, seed: 11));
        var corrupt = await StoredBlobs.WriteAsync(store, Bytes(70, seed: 12));
        await File.WriteAllBytesAsync(Path.Combine(store.DataDirectory, "blobs", "sha256", corrupt.Hex), Bytes(70, seed: 13));
        var holder = farm.Cluster.Client.GetGrain<IWorkerGrain>(FarmCluster.NameOf(farm.Silos[0]));

        // Lacked, too large and corrupt: null, and the call goes on. The second 600 KiB would
        // take it past one call's bytes: it and what follows are left for the next call.
        var answer = await holder.ReadSmallBlobsAsync([.. new[] { small, Digest.Sha256([9]), large, corrupt, first, second, last }.Select(d => d.ToString())]);
        Assert.Equal([Bytes(100, seed: 7), null, null, null, Bytes(600 * 1024, seed: 9)], answer);
        Assert.False(store.Exists(corrupt));

        Assert.Equal([Bytes(600 * 1024, seed: 10), Bytes(50, seed: 11)], await holder.ReadSmallBlobsAsync([second.ToString(), last.ToString()]));
    }

    [Fact]
    public async Task Small_blobs_asked_of_a_holder_while_a_call_to_it_is_under_way_go_together_in_the_next_call()
    {
        var calls = new SmallBlobCalls();
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1, replicas: 1, configure: silo => silo.AddIncomingGrainCallFilter(calls));
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var blobs = new List<Digest>();
        for (var seed = 20; seed < 25; seed++)
        {
            blobs.Add(await StoredBlobs.WriteAsync(farm.Store(a), Bytes(300 + seed, seed)));
        }

        var batches = new SmallBlobBatches(b.ServiceProvider.GetRequiredService<IGrainFactory>());
        var fetches = new List<Task<FetchedBlob?>> { batches.FetchAsync(farm.Store(b), FarmCluster.NameOf(a), blobs[0]) };
        await calls.FirstArrived.WaitAsync(TimeSpan.FromSeconds(30));
        fetches.AddRange(blobs[1..].Select(blob => batches.FetchAsync(farm.Store(b), FarmCluster.NameOf(a), blob)));
        calls.ReleaseFirst();

        Assert.Equal(Enumerable.Range(20, 5).Select(seed => (long?)(300 + seed)), (await Task.WhenAll(fetches)).Select(fetched => fetched?.Bytes));
        Assert.Equal([[blobs[0].ToString()], [.. blobs[1..].Select(blob => blob.ToString())]], calls.Asked);
        for (var seed = 20; seed < 25; seed++)
        {
            Assert.Equal(Bytes(300 + seed, seed), await StoredBlobs.ReadAsync(farm.Store(b), blobs[seed - 20]));
        }
    }

    [Fact]
    public async Task A_fetch_the_hint_cannot_send_in_a_batch_comes_by_stream_from_a_listed_holder()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1, replicas: 1);
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var large = await StoredBlobs.WriteAsync(farm.Store(a), Bytes(IWorkerGrain.SmallBlobBytes + 10, seed: 30));
        var batches = new SmallBlobBatches(b.ServiceProvider.GetRequiredService<IGrainFactory>());

        Assert.Null(await batches.FetchAsync(farm.Store(b), FarmCluster.NameOf(a), large));
        Assert.False(farm.Store(b).Exists(large));

        var source = b.ServiceProvider.GetRequiredService<IBlobSource>();
        Assert.True(await source.FetchAsync(farm.Store(b), large, hint: FarmCluster.NameOf(a), CancellationToken.None));
        Assert.Equal(Bytes(IWorkerGrain.SmallBlobBytes + 10, seed: 30), await StoredBlobs.ReadAsync(farm.Store(b), large));
    }

    [Fact]
    public async Task A_silo_that_fetched_a_blob_is_listed_as_its_holder_only_when_the_blob_has_a_record()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1, slots: 1, replicas: 1);
        var layer = farm.Cluster.Client.GetGrain<ILayerGrain>(Digest.Sha256([40]).ToString());
        var unrecorded = farm.Cluster.Client.GetGrain<ILayerGrain>(Digest.Sha256([41]).ToString());
        var info = new LayerInfo { MediaType = "application/vnd.oci.image.layer.v1.tar+gzip", Size = 10, DiffId = Digest.Sha256([42]).ToString() };
        await layer.RecordAsync(info, "10.0.0.1:11111");

        await layer.AddHolderAsync("10.0.0.2:11111");
        await layer.AddHolderAsync("10.0.0.2:11111");
        await unrecorded.AddHolderAsync("10.0.0.2:11111");

        var listed = await layer.GetAsync();
        Assert.Equal((info.MediaType, info.Size, info.DiffId), (listed!.MediaType, listed.Size, listed.DiffId));
        Assert.Equal(["10.0.0.1:11111", "10.0.0.2:11111"], listed.Silos);
        Assert.Null(await unrecorded.GetAsync());
    }

    // Bounded: a listing that never comes fails the test with the holders seen last.
    private static async Task<List<string>> HoldersOnceListedAsync(ILayerGrain layer, string fetcher)
    {
        var holders = new List<string>();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            holders = [.. ((await layer.GetAsync())?.Silos ?? []).Order(StringComparer.Ordinal)];
            if (holders.Contains(fetcher))
            {
                break;
            }

            await Task.Delay(50);
        }

        return holders;
    }

    /// <summary>Records the digests of each <see cref="IWorkerGrain.ReadSmallBlobsAsync"/> call, holding the first until released.</summary>
    private sealed class SmallBlobCalls : IIncomingGrainCallFilter
    {
        private readonly TaskCompletionSource _firstArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<string[]> _asked = new();

        public Task FirstArrived => _firstArrived.Task;

        public List<string[]> Asked => [.. _asked];

        public void ReleaseFirst() => _firstReleased.TrySetResult();

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is IWorkerGrain && context.InterfaceMethod?.Name == nameof(IWorkerGrain.ReadSmallBlobsAsync))
            {
                _asked.Enqueue((string[])context.Request.GetArgument(0)!);
                if (_firstArrived.TrySetResult())
                {
                    await _firstReleased.Task.WaitAsync(TimeSpan.FromSeconds(30));
                }
            }

            await context.Invoke();
        }
    }

    private static async Task<List<int>> ChunkSizesAsync(IWorkerGrain holder, Digest digest) =>
        await holder.ReadBlobAsync(digest.ToString()).WithBatchSize(IWorkerGrain.ChunksPerCall).Select(chunk => chunk.Length).ToListAsync();

    private static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
