using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Layout;
using BuildFarm.Oci.Tests.TestSupport;
using static BuildFarm.Oci.Tests.TestSupport.TarTestExtensions;

namespace BuildFarm.Oci.Tests.Layout;

public sealed class ArchiveErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DirectoryBlobStore _store;

    public ArchiveErrorTests()
    {
        _store = new DirectoryBlobStore(_dir.CreateDirectory("store"));
    }

    public void Dispose() => _dir.Dispose();

    private async Task<(TaggedImage Image, ImageManifest Manifest)> SmallImageAsync()
    {
        var tree = new TreeBuilder(_dir.CreateDirectory("tree")).File("hello", "world");
        var (image, manifest, _) = await TestImages.BuildAsync(_store, [(tree.Root, LayerSource.Directory)], "small");
        return (image, manifest);
    }

    [Fact]
    public async Task OCI_archive_missing_a_layer_blob_is_rejected_naming_it()
    {
        var (image, manifest) = await SmallImageAsync();
        var archive = new MemoryStream();
        await OciLayout.ExportToTarAsync(_store, [image], archive);
        var layer = manifest.Layers[0].Digest;
        var filtered = await FilterAsync(archive, name => name != $"blobs/sha256/{layer.Hex}");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => OciLayout.ImportFromTarAsync(filtered, new DirectoryBlobStore(_dir.CreateDirectory("target"))));

        Assert.Equal($"OCI archive lacks the blob {layer} ({MediaTypes.OciLayerGzip}) that its images need.", e.Message);
    }

    [Fact]
    public async Task OCI_archive_blob_whose_bytes_do_not_match_its_name_is_rejected()
    {
        var fake = Digest.Sha256("something else"u8);
        var tar = await BuildTarAsync(FileEntry($"blobs/sha256/{fake.Hex}", "tampered"));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => OciLayout.ImportFromTarAsync(tar, new DirectoryBlobStore(_dir.CreateDirectory("target"))));

        Assert.Equal($"Blob written as {fake} has the digest {Digest.Sha256("tampered"u8)}.", e.Message);
    }

    [Fact]
    public async Task Unknown_layout_version_is_rejected()
    {
        var layout = _dir.CreateDirectory("layout");
        await File.WriteAllTextAsync(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"2.0.0"}""");
        await File.WriteAllTextAsync(Path.Combine(layout, "index.json"), """{"schemaVersion":2,"manifests":[]}""");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => OciLayout.ImportFromDirectoryAsync(layout, _store));

        Assert.Equal("OCI layout: imageLayoutVersion is '2.0.0', only '1.0.0' is supported.", e.Message);
    }

    [Fact]
    public async Task Directory_without_index_is_not_a_layout()
    {
        var layout = _dir.CreateDirectory("layout");
        await File.WriteAllTextAsync(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => OciLayout.ImportFromDirectoryAsync(layout, _store));

        Assert.Equal($"'{layout}' is not an OCI layout: it has no index.json.", e.Message);
    }

    [Fact]
    public async Task Layout_round_trip_keeps_names_and_digests()
    {
        var (image, _) = await SmallImageAsync();
        var tagged = image with { Tags = ["a", "b"] };
        var layout = _dir.Combine("layout");
        await OciLayout.ExportToDirectoryAsync(_store, [tagged], layout);

        var imported = Assert.Single(await OciLayout.ImportFromDirectoryAsync(layout, new DirectoryBlobStore(_dir.CreateDirectory("target"))));

        Assert.Equal(tagged, imported with { Tags = tagged.Tags });
        Assert.Equal(["a", "b"], imported.Tags);
    }

    [Fact]
    public async Task Docker_archive_whose_layer_does_not_match_the_config_is_rejected()
    {
        var (image, _) = await SmallImageAsync();
        var archive = new MemoryStream();
        await DockerArchive.ExportAsync(_store, [image], archive);
        var tampered = await FilterAsync(archive, _ => true, replaceContentOf: "/layer.tar");

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DockerArchive.ImportAsync(tampered, new DirectoryBlobStore(_dir.CreateDirectory("target"))));

        Assert.StartsWith("Docker archive: layer '", e.Message, StringComparison.Ordinal);
        Assert.Contains($"has the diffID {Digest.Sha256("not a layer"u8)}, but the config lists sha256:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_archive_cannot_hold_an_index()
    {
        var (image, _) = await SmallImageAsync();
        var index = await _store.WriteBlobAsync(MediaTypes.OciIndex, new ImageIndex { Manifests = [image.Descriptor] }.ToJson());

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DockerArchive.ExportAsync(_store, [new TaggedImage(index, [])], new MemoryStream()));

        Assert.Equal($"A docker archive holds single-platform images; {index.Digest} is a '{MediaTypes.OciIndex}'.", e.Message);
    }

    /// <summary>Copies a tar, leaving out entries and optionally replacing the content of those whose name ends a certain way.</summary>
    private static async Task<MemoryStream> FilterAsync(MemoryStream archive, Func<string, bool> keep, string? replaceContentOf = null)
    {
        archive.Position = 0;
        var entries = new List<(Oci.Tar.TarHeader, string?)>();
        await using (var reader = new Oci.Tar.TarArchiveReader(archive, leaveOpen: true))
        {
            while (await reader.ReadNextAsync() is { } header)
            {
                if (!keep(header.Name))
                {
                    continue;
                }

                var content = header.Kind == Oci.Tar.TarEntryKind.RegularFile ? await new StreamReader(reader.Content, System.Text.Encoding.Latin1).ReadToEndAsync() : null;
                entries.Add((header, replaceContentOf is not null && header.Name.EndsWith(replaceContentOf, StringComparison.Ordinal) ? "not a layer" : content));
            }
        }

        return await BuildTarAsync([.. entries]);
    }
}
