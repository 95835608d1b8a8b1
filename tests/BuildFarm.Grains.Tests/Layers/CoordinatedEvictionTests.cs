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
    public async Task No_silo_drops_the_last_replica_of_a_named_image_s_blob_and_every_replica_goes_once_the_name_does()
    {
        var image = await ImportBusyboxAsync(A.Store);
        await ImportBusyboxAsync(B.Store);
        var (manifest, _) = await new ContentStoreBlobs(A.Store).ReadImageAsync(image);
        var layer = manifest.Layers.Single();
        var directory = Farm.Grains.GetGrain<ILayerGrain>(layer.Digest.ToString());
        var info = new LayerInfo { MediaType = layer.MediaType, Size = layer.Size, DiffId = "sha256:" + new string('0', 64) };
        await A.Get<IImageNames>().SetAsync("docker.io/library/busybox:latest", image);
        await directory.RecordAsync(info, B.Name);

        // B is the only silo the directory knows to hold the layer; nobody is known to hold the manifest or config.
        var refused = await B.Get<StoragePruner>().PruneAsync(all: false);
        var heldByBAfterRefusal = Held(B.Store, image, manifest);

        await directory.RecordAsync(info, A.Name);
        var released = await B.Get<StoragePruner>().PruneAsync(all: false);
        var holdersAfterRelease = (await directory.GetAsync())!.Silos;

        // Removed through B: A's copy of the name goes when A prunes (as its storage worker does), and so does every replica.
        await B.Get<IImageNames>().DeleteAsync("docker.io/library/busybox:latest");
        await ImageNameAdoption.RunAsync(Farm.Grains, A.Store, CancellationToken.None);
        var unnamed = await A.Get<StoragePruner>().PruneAsync(all: false);

        Assert.Equal(Amount.Zero, refused.Blobs);
        Assert.Equal("manifest config layer", heldByBAfterRefusal);
        Assert.Equal(new Amount(1, layer.Size), released.Blobs);
        Assert.Equal("manifest config", Held(B.Store, image, manifest));
        Assert.Equal([A.Name], holdersAfterRelease);
        Assert.Equal(new Amount(3, image.Size + manifest.Config.Size + layer.Size), unnamed.Blobs);
        Assert.Equal("", Held(A.Store, image, manifest));
        Assert.Empty((await directory.GetAsync())!.Silos);
        Assert.Empty(A.Store.Images.List());
    }

    private static string Held(ContentStore store, Descriptor image, ImageManifest manifest) => string.Join(' ', new[]
    {
        ("manifest", image.Digest),
        ("config", manifest.Config.Digest),
        ("layer", manifest.Layers.Single().Digest),
    }.Where(blob => store.Exists(blob.Item2)).Select(static blob => blob.Item1));
}
