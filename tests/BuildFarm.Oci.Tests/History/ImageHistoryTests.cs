using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.History;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tar;
using BuildFarm.Testing;
using static BuildFarm.Oci.Tests.TestSupport.TarTestExtensions;

namespace BuildFarm.Oci.Tests.History;

public sealed class ImageHistoryTests : IDisposable
{
    private readonly TempDirectory _directory = new("history");
    private readonly DirectoryBlobStore _blobs;

    public ImageHistoryTests() => _blobs = new DirectoryBlobStore(_directory.Path);

    [Fact]
    public async Task Counts_the_bytes_of_files_that_later_layers_delete_or_overwrite()
    {
        var bottom = await LayerAsync(
            LayerCompression.Gzip,
            DirEntry("./app/"),
            FileEntry("./app/big", new string('x', 1000)),
            FileEntry("./app/keep", new string('k', 10)),
            FileEntry("./tools/gcc", new string('g', 500)),
            FileEntry("./cache/a", new string('a', 100)),
            FileEntry("./cache/b", new string('b', 200)),
            FileEntry("./var/lib/x", new string('v', 50)),
            FileEntry("./opt/tool/bin", new string('t', 40)),
            FileEntry("./etc/conf", new string('c', 20)));
        var middle = await LayerAsync(
            LayerCompression.None,
            DirEntry("app/"),
            FileEntry("app/big", "small"),
            FileEntry("var/lib/.wh..wh..opq", string.Empty),
            FileEntry("var/lib/y", "1234567"));
        var top = await LayerAsync(
            LayerCompression.Zstd,
            FileEntry("app/.wh.big", string.Empty),
            FileEntry("tools/.wh.gcc", string.Empty),
            FileEntry(".wh.cache", string.Empty),
            SymlinkEntry("opt/tool", "/usr/local/tool"));
        var history = new HistoryEntry[] { new() { CreatedBy = "bottom" }, new() { CreatedBy = "middle" }, new() { CreatedBy = "top" } };

        var steps = await ReadAsync(history, bottom, middle, top);

        // Overwritten big (1000), deleted gcc (500), cache/ deleted whole (100 + 200), var/lib made
        // opaque (50), opt/tool replaced by a symlink (40); app/big counts once though deleted twice.
        Assert.Equal(
            [("bottom", 1920L, 1890L), ("middle", 12L, 5L), ("top", 0L, 0L)],
            steps.Select(static s => (s.Entry.CreatedBy, s.Size, s.WastedBytes)));
        Assert.Equal([bottom.Digest, middle.Digest, top.Digest], steps.Select(static s => s.Layer!.Digest));
    }

    [Fact]
    public async Task A_directory_listed_again_above_keeps_the_files_below()
    {
        var bottom = await LayerAsync(LayerCompression.None, DirEntry("etc/"), FileEntry("etc/passwd", "root:x:0:0"));
        var top = await LayerAsync(LayerCompression.None, DirEntry("etc/", mode: 0b111_000_000), FileEntry("etc/group", "root:x:0:"));

        var steps = await ReadAsync([new() { CreatedBy = "a" }, new() { CreatedBy = "b" }], bottom, top);

        Assert.Equal([(10L, 0L), (9L, 0L)], steps.Select(static s => (s.Size, s.WastedBytes)));
    }

    [Fact]
    public async Task A_file_replaced_by_a_directory_is_wasted_but_not_what_the_directory_holds_above()
    {
        var bottom = await LayerAsync(LayerCompression.None, FileEntry("data", "0123456789"));
        var top = await LayerAsync(LayerCompression.None, DirEntry("data/"), FileEntry("data/file", "abc"));

        var steps = await ReadAsync([new() { CreatedBy = "a" }, new() { CreatedBy = "b" }], bottom, top);

        Assert.Equal([(10L, 10L), (3L, 0L)], steps.Select(static s => (s.Size, s.WastedBytes)));
    }

    [Fact]
    public async Task Empty_layer_steps_have_no_layer_and_the_rest_pair_with_layers_in_order()
    {
        var first = await LayerAsync(LayerCompression.None, FileEntry("a", "aa"));
        var second = await LayerAsync(LayerCompression.None, FileEntry("b", "bbb"));
        HistoryEntry[] history =
        [
            new() { CreatedBy = "ADD a /", Comment = "base" },
            new() { CreatedBy = "ENV X=1", EmptyLayer = true },
            new() { CreatedBy = "COPY b /" },
            new() { CreatedBy = "CMD [\"sh\"]", EmptyLayer = true },
        ];

        var steps = await ReadAsync(history, first, second);

        Assert.Equal(
            [("ADD a /", (Digest?)first.Digest, 2L), ("ENV X=1", null, 0L), ("COPY b /", second.Digest, 3L), ("CMD [\"sh\"]", null, 0L)],
            steps.Select(static s => (s.Entry.CreatedBy, s.Layer?.Digest, s.Size)));
        Assert.Equal("base", steps[0].Entry.Comment);
    }

    [Fact]
    public async Task Layers_the_history_does_not_describe_are_still_listed()
    {
        var first = await LayerAsync(LayerCompression.None, FileEntry("a", "aa"));
        var second = await LayerAsync(LayerCompression.None, FileEntry("a", "a2"));

        var steps = await ReadAsync([], first, second);

        Assert.Equal([(null, 2L, 2L), (null, 2L, 0L)], steps.Select(static s => (s.Entry.CreatedBy, s.Size, s.WastedBytes)));
    }

    [Fact]
    public async Task A_layer_that_is_not_a_tar_archive_is_an_error()
    {
        var garbage = await _blobs.WriteBlobAsync(MediaTypes.OciLayer, new byte[] { 1, 2, 3, 4, 5 }.AsMemory());

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAsync([], garbage));
    }

    public void Dispose() => _directory.Dispose();

    private async Task<IReadOnlyList<LayerHistory>> ReadAsync(HistoryEntry[] history, params Descriptor[] layers)
    {
        var config = new ImageConfig { Architecture = "amd64", OS = "linux", History = history };
        var manifest = new ImageManifest { Config = config.ToDescriptor(), Layers = layers };
        return await ImageHistory.ReadAsync(_blobs, manifest, config);
    }

    private async Task<Descriptor> LayerAsync(LayerCompression compression, params (TarHeader Header, string? Content)[] entries)
    {
        using var tar = await BuildTarAsync(entries);
        var compressed = new MemoryStream();
        await using (var compressor = LayerCompressionStreams.Compress(compressed, compression, leaveOpen: true))
        {
            await tar.CopyToAsync(compressor);
        }

        var mediaType = compression switch
        {
            LayerCompression.Gzip => MediaTypes.OciLayerGzip,
            LayerCompression.Zstd => MediaTypes.OciLayerZstd,
            _ => MediaTypes.OciLayer,
        };
        return await _blobs.WriteBlobAsync(mediaType, compressed.ToArray());
    }
}
