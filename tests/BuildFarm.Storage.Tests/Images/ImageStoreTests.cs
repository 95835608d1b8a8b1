using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Tests.TestSupport;

namespace BuildFarm.Storage.Tests.Images;

public sealed class ImageStoreTests : IDisposable
{
    private static readonly Descriptor AppIndex = new()
    {
        MediaType = MediaTypes.OciIndex,
        Digest = Text.DigestOf("index"),
        Size = 5,
        Annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = "1.0" },
    };

    private static readonly Descriptor AppManifest = new()
    {
        MediaType = MediaTypes.DockerManifest,
        Digest = Text.DigestOf("manifest"),
        Size = 8,
        Platform = new Platform { OS = "linux", Architecture = "arm64", Variant = "v8" },
    };

    private readonly TestStore _test = new();

    private ImageStore Images => _test.Store.Images;

    [Fact]
    public void A_name_maps_to_its_descriptor_and_names_are_listed_in_order()
    {
        _test.Time.Advance(TimeSpan.FromMinutes(1));
        var set = Images.Set("docker.io/library/app:1.0", AppIndex);
        Images.Set("docker.io/library/app:0.9", AppManifest);

        Assert.Equal(new ImageRecord("docker.io/library/app:1.0", AppIndex, TestStore.Start.AddMinutes(1), TestStore.Start.AddMinutes(1)), set);
        Assert.Same(set, Images.Get("docker.io/library/app:1.0"));
        Assert.Null(Images.Get("docker.io/library/app:2.0"));
        Assert.Equal(["docker.io/library/app:0.9", "docker.io/library/app:1.0"], Images.List().Select(image => image.Name));
    }

    [Fact]
    public void Retagging_keeps_the_creation_time_and_moves_the_update_time()
    {
        Images.Set("app:latest", AppIndex);
        _test.Time.Advance(TimeSpan.FromHours(2));

        var moved = Images.Set("app:latest", AppManifest);

        Assert.Equal(new ImageRecord("app:latest", AppManifest, TestStore.Start, TestStore.Start.AddHours(2)), moved);
    }

    [Fact]
    public void Names_and_every_descriptor_field_survive_a_reopen()
    {
        _test.Time.Advance(TimeSpan.FromTicks(12345));
        Images.Set("app:1.0", AppIndex);
        Images.Set("app:arm", AppManifest);

        _test.Reopen();

        var images = Images.List();
        Assert.Equal(["app:1.0", "app:arm"], images.Select(image => image.Name));
        Assert.Equivalent(AppIndex, images[0].Target, strict: true);
        Assert.Equivalent(AppManifest, images[1].Target, strict: true);
        Assert.Equal(TestStore.Start.AddTicks(12345), images[0].CreatedAt);
        Assert.Equal(TestStore.Start.AddTicks(12345), images[1].UpdatedAt);
    }

    [Fact]
    public void A_deleted_name_stays_deleted_after_a_reopen()
    {
        Images.Set("app:1.0", AppIndex);
        Images.Set("app:2.0", AppIndex);

        Assert.True(Images.Delete("app:1.0"));
        Assert.False(Images.Delete("app:1.0"));
        _test.Reopen();

        Assert.Equal(["app:2.0"], Images.List().Select(image => image.Name));
    }

    [Fact]
    public void Only_a_manifest_or_an_index_can_be_named()
    {
        var layer = new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Text.DigestOf("layer"), Size = 5 };

        var error = Assert.Throws<ArgumentException>(() => Images.Set("app:1.0", layer));

        Assert.Equal(
            "Image 'app:1.0' must name an image manifest or index, not content of media type 'application/vnd.oci.image.layer.v1.tar+gzip'. (Parameter 'target')",
            error.Message);
        Assert.Empty(Images.List());
    }

    [Fact]
    public void An_unreadable_names_file_stops_the_store_from_opening_rather_than_losing_the_names()
    {
        Images.Set("app:1.0", AppIndex);
        _test.Store.Dispose();
        var path = Path.Combine(_test.DataDirectory, "images.msgpack");
        File.WriteAllBytes(path, [0x92, 0x01]);

        var error = Assert.Throws<InvalidDataException>(_test.Reopen);

        Assert.Equal($"The image names file {path} cannot be read: Attempted to read past the end of the stream.", error.Message);
    }

    [Fact]
    public void A_names_file_of_a_later_version_is_refused()
    {
        _test.Store.Dispose();
        var path = Path.Combine(_test.DataDirectory, "images.msgpack");
        File.WriteAllBytes(path, [0x92, 0x02, 0x90]); // [2, []]

        var error = Assert.Throws<InvalidDataException>(_test.Reopen);

        Assert.Equal($"The image names file {path} cannot be read: version 2 is not supported (expected 1).", error.Message);
    }

    [Fact]
    public void A_names_file_interrupted_while_being_replaced_is_cleaned_up_and_the_old_one_is_used()
    {
        Images.Set("app:1.0", AppIndex);
        _test.Store.Dispose();
        var leftover = Path.Combine(_test.DataDirectory, "images.msgpack.0123.partial");
        File.WriteAllText(leftover, "half written");

        _test.Reopen();

        Assert.False(File.Exists(leftover));
        Assert.Equal(["app:1.0"], Images.List().Select(image => image.Name));
    }

    public void Dispose() => _test.Dispose();
}
