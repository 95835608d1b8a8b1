using BuildFarm.Execution.Pruning;
using BuildFarm.Grains.Images;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Grains.Tests.Layers;

/// <summary>
/// Prunes on two silos agreed with the blob directory: the last known replica of a named image's
/// blob stays, a replica another silo holds goes, and once the name is gone every replica may go.
/// </summary>
public sealed class CoordinatedEvictionTests : TwoSiloTest
{
    [Fact]
    public async Task A_named_image_is_copied_to_a_replica_no_silo_drops_its_last_replica_and_every_replica_goes_once_the_name_does()
    {
        var image = await ImportBusyboxAsync(A.Store);
        var (manifest, _) = await new ContentStoreBlobs(A.Store).ReadImageAsync(image);
        var layer = manifest.Layers.Single();
        var directory = Farm.Grains.GetGrain<ILayerGrain>(layer.Digest.ToString());

        // Named through A: each blob it reaches is copied to B (two replicas) and both are listed.
        await A.Get<IImageNames>().SetAsync("docker.io/library/busybox:latest", image);
        var heldByB = Held(B.Store, image, manifest);
        var holders = await HoldersAsync(image, manifest);

        // B may drop its replicas (A holds them); A may not drop the last ones.
        var released = await B.Get<StoragePruner>().PruneAsync(all: false);
        var refused = await A.Get<StoragePruner>().PruneAsync(all: false);
        var holdersAfterRelease = (await directory.GetAsync())!.Silos;

        // Removed through B: A's copy of the name goes when A prunes (as its storage worker does), and so does every replica.
        await B.Get<IImageNames>().DeleteAsync("docker.io/library/busybox:latest");
        await ImageNameAdoption.RunAsync(Farm.Grains, A.Store, A.Get<ImageReplication>(), CancellationToken.None);
        var unnamed = await A.Get<StoragePruner>().PruneAsync(all: false);

        var all = new Amount(3, image.Size + manifest.Config.Size + layer.Size);
        Assert.Equal("manifest config layer", heldByB);
        var both = string.Join(' ', new[] { A.Name, B.Name }.Order(StringComparer.Ordinal));
        Assert.Equal([both, both, both], holders);
        Assert.Equal(all, released.Blobs);
        Assert.Equal(Amount.Zero, refused.Blobs);
        Assert.Equal("", Held(B.Store, image, manifest));
        Assert.Equal([A.Name], holdersAfterRelease);
        Assert.Equal(all, unnamed.Blobs);
        Assert.Equal("", Held(A.Store, image, manifest));
        Assert.Empty((await directory.GetAsync())!.Silos);
        Assert.Empty(A.Store.Images.List());
    }

    // Each blob's listed holders, manifest, config, layer.
    private async Task<List<string>> HoldersAsync(Descriptor image, ImageManifest manifest)
    {
        var holders = new List<string>();
        foreach (var digest in new[] { image.Digest, manifest.Config.Digest, manifest.Layers.Single().Digest })
        {
            var info = await Farm.Grains.GetGrain<ILayerGrain>(digest.ToString()).GetAsync();
            holders.Add(string.Join(' ', info!.Silos.Order(StringComparer.Ordinal)));
        }

        return holders;
    }

    private static string Held(ContentStore store, Descriptor image, ImageManifest manifest) => string.Join(' ', new[]
    {
        ("manifest", image.Digest),
        ("config", manifest.Config.Digest),
        ("layer", manifest.Layers.Single().Digest),
    }.Where(blob => store.Exists(blob.Item2)).Select(static blob => blob.Item1));
}
