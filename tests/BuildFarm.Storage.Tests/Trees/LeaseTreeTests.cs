using BuildFarm.Oci;
using BuildFarm.Storage.Tests.TestSupport;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Storage.Tests.Trees;

/// <summary><see cref="ContextTree.LeaseAsync"/>: a submitted build's context outlives a prune until the build starts.</summary>
public sealed class LeaseTreeTests : IDisposable
{
    private readonly TestStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Every_node_and_file_of_the_tree_is_leased_and_survives_a_prune_and_nothing_else_does()
    {
        var readme = await StoreAsync("readme\n"u8.ToArray());
        var main = await StoreAsync("int main;\n"u8.ToArray());
        var src = TreeNode.Create([TreeEntry.File("main.c", 0x1A4, 0, 0, 10, main)]);
        var root = TreeNode.Create([TreeEntry.File("README", 0x1A4, 0, 0, 7, readme), src.AsDirectory("src", 0x1ED, 0, 0), TreeEntry.Symlink("link", 0x1FF, 0, 0, "README")]);
        await StoreAsync(src.Bytes.ToArray());
        await StoreAsync(root.Bytes.ToArray());
        var other = await StoreAsync("another upload"u8.ToArray());
        _store.Store.Leases.Create("context-1");

        await ContextTree.LeaseAsync(root.Digest, _store.Store, "context-1");
        var pruned = _store.Store.Prune(new HashSet<Digest>());

        Assert.Equal([other], pruned.Evicted.Select(blob => blob.Digest));
        Assert.Equal(Sorted(readme, main, src.Digest, root.Digest), Sorted(_store.Store.Leases.Get("context-1")!.Blobs));
    }

    [Fact]
    public async Task A_tree_with_a_missing_node_is_leased_as_far_as_it_goes()
    {
        var absent = Digest.Sha256("never stored"u8);
        var root = TreeNode.Create([TreeEntry.Directory("gone", 0x1ED, 0, 0, 12, absent)]);
        await StoreAsync(root.Bytes.ToArray());
        _store.Store.Leases.Create("context-2");

        await ContextTree.LeaseAsync(root.Digest, _store.Store, "context-2");

        Assert.Equal(Sorted(root.Digest, absent), Sorted(_store.Store.Leases.Get("context-2")!.Blobs));
    }

    private static string[] Sorted(params IEnumerable<Digest> digests) => [.. digests.Select(digest => digest.Hex).Order(StringComparer.Ordinal)];

    private async Task<Digest> StoreAsync(byte[] bytes)
    {
        var digest = Digest.Sha256(bytes);
        await _store.Store.WriteAsync(new MemoryStream(bytes), digest, bytes.Length);
        return digest;
    }
}
