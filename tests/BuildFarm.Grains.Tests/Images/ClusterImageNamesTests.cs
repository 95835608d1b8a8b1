using BuildFarm.Grains.Images;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;

namespace BuildFarm.Grains.Tests.Images;

/// <summary>Image names seen from two silos: set on one, found, listed, moved and removed on the other.</summary>
public sealed class ClusterImageNamesTests : TwoSiloTest
{
    private const string Busybox = "docker.io/library/busybox:latest";

    // One replica: naming copies nothing, so what a silo lacks stays missing until it is fetched.
    public override async Task InitializeAsync() => Farm = await TwoSiloFarm.StartAsync(replicas: 1);

    [Fact]
    public async Task A_name_set_on_one_silo_is_listed_found_tagged_and_removed_through_the_other()
    {
        // Both hold the image's blobs (as replicas would): B reads them to tell the image's ID.
        var image = await ImportBusyboxAsync(A.Store);
        await ImportBusyboxAsync(B.Store);
        var onA = Catalog(A);
        var onB = Catalog(B);

        var previous = await onA.NameAsync(ImageReference.Parse("busybox"), image);
        var listedOnB = await onB.ListAsync();
        var foundOnB = await onB.ResolveAsync("busybox");
        await onB.NameAsync(ImageReference.Parse("mine:1"), foundOnB.Target);
        var removal = await onB.RemoveAsync("busybox", force: false);
        var listedOnA = await onA.ListAsync();

        Assert.Null(previous);
        Assert.Equal([(Busybox, image.Digest)], listedOnB.Select(i => (i.Name!.ToString(), i.Target.Digest)));
        Assert.Equal(new CatalogImage(ImageReference.Parse(Busybox), image with { Annotations = null }), foundOnB);
        Assert.Equal([Busybox], removal.Removed.Select(i => i.Name!.ToString()));
        Assert.Equal([("docker.io/library/mine:1", image.Digest)], listedOnA.Select(i => (i.Name!.ToString(), i.Target.Digest)));
        // Each silo's store keeps a copy of the names it set; B removed busybox, which A set.
        Assert.Equal([Busybox], A.Store.Images.List().Select(r => r.Name));
        Assert.Equal(["docker.io/library/mine:1"], B.Store.Images.List().Select(r => r.Name));
    }

    [Fact]
    public async Task A_name_records_every_blob_its_image_reaches_and_a_tag_where_the_blobs_are_not_copies_them()
    {
        var image = await ImportBusyboxAsync(A.Store);
        var (manifest, _) = await new ContentStoreBlobs(A.Store).ReadImageAsync(image);
        var reached = new[] { image.Digest, manifest.Config.Digest }.Concat(manifest.Layers.Select(l => l.Digest)).Select(d => d.ToString()).Order(StringComparer.Ordinal).ToList();

        await Catalog(A).NameAsync(ImageReference.Parse("busybox"), image);
        await Catalog(B).NameAsync(ImageReference.Parse("copy:1"), image);
        var records = await ClusterImageNames.ListRecordsAsync(Farm.Grains, CancellationToken.None);

        Assert.False(B.Store.Exists(image.Digest));
        Assert.Equal(["docker.io/library/busybox:latest", "docker.io/library/copy:1"], records.Select(r => r.Name));
        Assert.All(records, record => Assert.Equal(reached, record.Blobs));
    }

    [Fact]
    public async Task The_index_pages_names_in_ordinal_order()
    {
        var image = await ImportBusyboxAsync(A.Store);
        foreach (var name in new[] { "b:1", "a:2", "<none>@x", "a:10" })
        {
            await A.Get<IImageNames>().SetAsync(name, image);
        }

        var index = Farm.Grains.GetGrain<IImageNameIndexGrain>(0);
        var first = await index.ListAsync(null, 2);
        var second = await index.ListAsync(first.Next, 2);
        var after = await index.ListAsync("a:2", 5);

        Assert.Equal("<none>@x a:10 next a:10", $"{string.Join(' ', first.Records.Select(r => r.Name))} next {first.Next}");
        Assert.Equal("a:2 b:1 next ", $"{string.Join(' ', second.Records.Select(r => r.Name))} next {second.Next}");
        Assert.Equal(["b:1"], after.Records.Select(r => r.Name));
    }

    [Fact]
    public async Task At_start_a_silo_adopts_names_the_cluster_never_knew_drops_those_it_removed_and_follows_those_it_moved()
    {
        var image = await ImportBusyboxAsync(A.Store);
        var other = image with { Digest = Oci.Digest.Sha256("another manifest"u8), Size = 16 };
        var names = A.Get<IImageNames>();
        await names.SetAsync("removed:1", image);
        await names.SetAsync("moved:1", image);
        await B.Get<IImageNames>().DeleteAsync("removed:1");
        await B.Get<IImageNames>().SetAsync("moved:1", other);
        // What A's store holds when it starts again: its copies of both, and a name written while it was down.
        A.Store.Images.Set("removed:1", image);
        A.Store.Images.Set("offline:1", image);

        await ImageNameAdoption.RunAsync(Farm.Grains, A.Store, A.Get<ImageReplication>(), CancellationToken.None);
        var cluster = await B.Get<IImageNames>().ListAsync();

        Assert.Equal([("moved:1", other.Digest), ("offline:1", image.Digest)], A.Store.Images.List().Select(r => (r.Name, r.Target.Digest)));
        Assert.Equal([("moved:1", other.Digest), ("offline:1", image.Digest)], cluster.Select(r => (r.Name, r.Target.Digest)));
    }

    [Fact]
    public async Task A_silo_that_lacks_a_named_image_s_blobs_makes_them_local_before_it_reads_them()
    {
        var image = await ImportBusyboxAsync(A.Store);
        await Catalog(A).NameAsync(ImageReference.Parse("busybox"), image);
        var fromA = new CopyingAvailability(A.Store, B.Store);
        var onB = new ImageCatalog(B.Store, B.Get<IImageNames>(), fromA);

        var summary = await onB.SummarizeAsync((await onB.ResolveAsync("busybox")).Target);
        var forSummary = fromA.Copied.ToList();
        await onB.EnsureLocalAsync(image, withLayers: true);
        var record = (await ClusterImageNames.ListRecordsAsync(Farm.Grains, CancellationToken.None)).Single();

        Assert.Equal((await Catalog(A).SummarizeAsync(image)).Id, summary.Id);
        Assert.Equal(2, forSummary.Count); // the manifest and the config, not the layer
        Assert.Equal(record.Blobs, fromA.Copied.Select(d => d.ToString()).Order(StringComparer.Ordinal));
        Assert.All(record.Blobs, digest => Assert.True(B.Store.Exists(Oci.Digest.Parse(digest))));
    }

    private static ImageCatalog Catalog(TwoSiloFarm.Silo silo) => new(silo.Store, silo.Get<IImageNames>());

    /// <summary>Copies what the target store lacks from a source store, as a fetch from the silo holding it would.</summary>
    private sealed class CopyingAvailability(ContentStore source, ContentStore target) : IBlobAvailability
    {
        public List<Oci.Digest> Copied { get; } = [];

        public async Task EnsureLocalAsync(IReadOnlyCollection<Oci.Digest> digests, CancellationToken cancellationToken = default)
        {
            foreach (var digest in digests.Where(digest => !target.Exists(digest)))
            {
                await using var blob = source.OpenRead(digest);
                await target.WriteAsync(blob, digest, blob.Length, cancellationToken: cancellationToken);
                Copied.Add(digest);
            }
        }
    }
}
