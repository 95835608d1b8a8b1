using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using Microsoft.Extensions.DependencyInjection;

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
        Assert.Equal(new[] { FarmCluster.NameOf(a), FarmCluster.NameOf(b) }.Order(StringComparer.Ordinal), (await LayerOf(heldByA).GetAsync())!.Silos.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { FarmCluster.NameOf(b), FarmCluster.NameOf(c) }.Order(StringComparer.Ordinal), (await LayerOf(heldByC).GetAsync())!.Silos.Order(StringComparer.Ordinal));
        Assert.False(farm.Store(a).Exists(heldByC));
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
