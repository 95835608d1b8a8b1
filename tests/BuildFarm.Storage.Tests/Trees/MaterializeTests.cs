using BuildFarm.Oci;
using BuildFarm.Storage.Tests.TestSupport;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Storage.Tests.Trees;

/// <summary>What materializing refuses; the exact round trip of real trees is tested with the client in BuildFarm.Api.Tests.</summary>
public sealed class MaterializeTests : IDisposable
{
    private readonly TestStore _store = new(maxBytes: 64 * 1024 * 1024, lowWaterBytes: 32 * 1024 * 1024);
    private readonly string _target = Path.Combine(Path.GetTempPath(), "buildfarm-materialize-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _store.Dispose();
        if (Directory.Exists(_target))
        {
            Directory.Delete(_target, recursive: true);
        }
    }

    [Fact]
    public async Task A_node_naming_the_parent_directory_is_refused_and_nothing_is_written_outside()
    {
        var content = await StoreAsync("escaped"u8.ToArray());
        var hostile = await StoreAsync(NodeBytes.Write(1, ("..", 0, 7, content.ToString(), null)));

        var error = await Assert.ThrowsAsync<TreeFormatException>(() => ContextTree.MaterializeAsync(hostile, _store.Store, _target));

        Assert.Equal($"Tree node {hostile} is malformed: the name \"..\" is not a single path component.", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_target));
    }

    [Fact]
    public async Task A_missing_directory_node_is_named_with_its_path()
    {
        var absent = Digest.Sha256("never stored"u8);
        var inner = TreeNode.Create([TreeEntry.Directory("deeper", 0x1ED, 0, 0, 12, absent)]);
        var root = TreeNode.Create([inner.AsDirectory("sub", 0x1ED, 0, 0)]);
        await StoreAsync(inner.Bytes.ToArray());
        await StoreAsync(root.Bytes.ToArray());

        var error = await Assert.ThrowsAsync<TreeBlobMissingException>(() => ContextTree.MaterializeAsync(root.Digest, _store.Store, _target));

        Assert.Equal($"Tree {root.Digest} is incomplete: blob {absent} (\"sub/deeper\") is not in the content store.", error.Message);
        Assert.Equal((root.Digest, absent, "sub/deeper"), (error.Root, error.Missing, error.PathInTree));
    }

    [Fact]
    public async Task A_file_whose_size_disagrees_with_its_blob_is_refused()
    {
        var content = await StoreAsync("four"u8.ToArray());
        var root = TreeNode.Create([TreeEntry.File("f", 0x1A4, 0, 0, 5, content)]);
        await StoreAsync(root.Bytes.ToArray());

        var error = await Assert.ThrowsAsync<TreeFormatException>(() => ContextTree.MaterializeAsync(root.Digest, _store.Store, _target));

        Assert.Equal($"Tree node {root.Digest} is malformed: \"f\" is said to have 5 bytes but its blob {content} has 4.", error.Message);
    }

    [Fact]
    public async Task The_target_must_be_empty()
    {
        var root = TreeNode.Create([]);
        await StoreAsync(root.Bytes.ToArray());
        Directory.CreateDirectory(_target);
        await File.WriteAllTextAsync(Path.Combine(_target, "already-here"), "x");

        var error = await Assert.ThrowsAsync<IOException>(() => ContextTree.MaterializeAsync(root.Digest, _store.Store, _target));

        Assert.Equal($"Cannot materialize tree {root.Digest} into '{_target}': the directory is not empty.", error.Message);
    }

    private async Task<Digest> StoreAsync(byte[] bytes)
    {
        var digest = Digest.Sha256(bytes);
        await _store.Store.WriteAsync(new MemoryStream(bytes), digest, bytes.Length);
        return digest;
    }
}
