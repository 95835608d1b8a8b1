using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Eviction;
using BuildFarm.Storage.Images;

namespace BuildFarm.Grains.Tests.Layers;

/// <summary>A write that takes a cluster silo's store over its limit evicts only what the blob directory lets go.</summary>
public sealed class WriteEvictionTests : TwoSiloTest
{
    private const long Limit = 4 * 1024 * 1024;

    // One replica: the image named through A stays A's alone.
    public override async Task InitializeAsync() => Farm = await TwoSiloFarm.StartAsync(maxBytes: Limit, coordinateEviction: true, replicas: 1);

    [Fact]
    public async Task An_eviction_set_off_by_a_write_keeps_the_last_replica_of_a_named_image_and_drops_what_nothing_needs()
    {
        // Named through A, which the directory then lists as the only holder of its blobs; B has copies it never listed.
        var image = await ImportBusyboxAsync(A.Store);
        await ImportBusyboxAsync(B.Store);
        var (manifest, _) = await new ContentStoreBlobs(A.Store).ReadImageAsync(image);
        var layer = manifest.Layers.Single();
        await A.Get<IImageNames>().SetAsync("docker.io/library/busybox:latest", image);
        var unneeded = await WriteAsync(A, 1024 * 1024, 1);
        var evicted = new TaskCompletionSource<EvictionResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        A.Store.Evicted += result => evicted.TrySetResult(result);

        var overTheLimit = await WriteAsync(A, (int)(Limit - A.Store.TotalBytes) + 1, 2);
        var result = await evicted.Task.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([unneeded], result.Evicted.Select(blob => blob.Digest));
        Assert.True(new[] { image.Digest, manifest.Config.Digest, layer.Digest, overTheLimit }.All(A.Store.Exists));
        Assert.Equal([A.Name], (await Farm.Grains.GetGrain<ILayerGrain>(layer.Digest.ToString()).GetAsync())!.Silos);
    }

    private static async Task<Digest> WriteAsync(TwoSiloFarm.Silo silo, int size, byte fill)
    {
        var bytes = Enumerable.Repeat(fill, size).ToArray();
        return (await silo.Store.WriteAsync(new MemoryStream(bytes), Digest.Sha256(bytes), bytes.Length)).Blob.Digest;
    }
}
