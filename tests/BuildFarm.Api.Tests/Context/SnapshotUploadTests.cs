using System.Security.Cryptography;
using System.Text;
using BuildFarm.Api.Tests.TestSupport;
using BuildFarm.Client.Context;
using BuildFarm.Oci;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Api.Tests.Context;

/// <summary>Context snapshots uploaded to a real server: only what is missing goes over the wire, and the tree comes back exact.</summary>
public sealed class SnapshotUploadTests : IAsyncLifetime
{
    private readonly ContextFiles _context = new();
    private ContentServer _server = null!;

    public async Task InitializeAsync() => _server = await ContentServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _context.Dispose();
    }

    [Fact]
    public async Task A_new_tree_is_uploaded_whole_and_materializes_exactly_with_modes_owners_and_links()
    {
        _context
            .Write(("README.md", "hello\n"), ("src/app.c", "int main() { return 0; }\n"), ("src/empty.txt", string.Empty), ("empty/", string.Empty), ("locked/inside.txt", "kept\n"))
            .WriteBytes("assets/big.bin", RandomNumberGenerator.GetBytes(200_000))
            .Write(("copy-of-readme.md", "hello\n"))
            .Link("src/link-up", "../README.md")
            .Link("outside", "/etc/passwd")
            .Link("dangling", "does/not/exist")
            .Chown("src/app.c", 1234, 5678) // before chmod: a change of owner clears setuid
            .Chown("outside", 42, 43)
            .Chmod("src/app.c", "4755")
            .Chmod("README.md", "0600")
            .Chmod("empty", "1777")
            .Chmod("locked", "0555");

        var snapshot = Take();
        var upload = await Upload(snapshot);

        // 6 files of 5 distinct contents (the two READMEs are one blob) and 5 directory nodes, the root included.
        Assert.Equal((6, 5, 3), (snapshot.Files, snapshot.Directories, snapshot.Symlinks));
        Assert.Equal(new ContextUploadResult(10, 10, 10, snapshot.Blobs.Sum(static b => b.Size), Chunks: 4, Batches: 1), upload);
        Assert.Equal(10, _server.Recorder.UploadedDigests.Count);

        var target = Path.Combine(_context.Scratch, "materialized");
        await ContextTree.MaterializeAsync(snapshot.Root, _server.Store, target);

        Assert.Equal(await TreeListing.OfDirectoryAsync(_context.Root), await TreeListing.OfDirectoryAsync(target));
        Assert.Contains($"src/app.c f 04755 1234:5678 {Sha256Hex("int main() { return 0; }\n")}", await TreeListing.OfDirectoryAsync(target));
        Assert.Contains("outside l 0777 42:43 -> /etc/passwd", await TreeListing.OfDirectoryAsync(target));
    }

    [Fact]
    public async Task A_warm_snapshot_of_an_unchanged_tree_hashes_no_file_and_uploads_no_blob()
    {
        _context.Write(("a.txt", "a"), ("dir/b.txt", "b"), ("dir/sub/c.txt", "c"));
        var cold = Take();
        await Upload(cold);
        _server.Recorder.Clear();

        var warm = Take();
        var upload = await Upload(warm);

        Assert.Equal(3, cold.FilesHashed);
        Assert.Equal(0, warm.FilesHashed);
        Assert.Equal(cold.Root, warm.Root);
        Assert.Equal(new ContextUploadResult(BlobsInTree: 6, BlobsMissing: 0, BlobsStored: 0, BytesUploaded: 0, Chunks: 0, Batches: 0), upload);
        Assert.Empty(_server.Recorder.Chunks);
        Assert.Empty(_server.Recorder.Batches);
        Assert.Empty(Assert.Single(_server.Recorder.FindMissingAnswers).Missing);
    }

    [Fact]
    public async Task Editing_one_file_uploads_that_file_and_the_directory_nodes_up_to_the_root()
    {
        _context.Write(("top.txt", "top"), ("a/one.txt", "1"), ("a/b/c.txt", "before"), ("a/b/d.txt", "d"), ("other/e.txt", "e"));
        var before = Take();
        await Upload(before);
        _server.Recorder.Clear();

        _context.Write(("a/b/c.txt", "after, and longer"));
        var after = Take();
        var upload = await Upload(after);

        string[] expected =
        [
            Digest.Sha256(Encoding.UTF8.GetBytes("after, and longer")).ToString(),
            NodeDigest(after, "a/b"),
            NodeDigest(after, "a"),
            after.Root.ToString(),
        ];
        Assert.Equal(1, after.FilesHashed);
        Assert.Equal(expected.Order(StringComparer.Ordinal), _server.Recorder.UploadedDigests.Order(StringComparer.Ordinal));
        Assert.Equal((9, 4, 4), (upload.BlobsInTree, upload.BlobsMissing, upload.BlobsStored));
        Assert.NotEqual(NodeDigest(before, "a/b"), NodeDigest(after, "a/b"));
        Assert.Equal(NodeDigest(before, "other"), NodeDigest(after, "other"));
    }

    [Fact]
    public async Task Every_chunk_on_the_wire_is_under_85_KB()
    {
        var big = RandomNumberGenerator.GetBytes(300_000);
        _context.WriteBytes("big.bin", big);

        await Upload(Take());

        var chunks = _server.Recorder.Chunks.ToList();
        var bigChunks = chunks.SkipWhile(c => c.Blob?.Digest != Digest.Sha256(big).ToString()).TakeWhile((c, i) => i == 0 || c.Blob is null).ToList();
        Assert.Equal([65_536, 65_536, 65_536, 65_536, 37_856], bigChunks.Select(static c => c.Data.Length));
        Assert.All(chunks, static chunk => Assert.True(chunk.CalculateSize() < 85_000, $"a chunk of {chunk.CalculateSize()} bytes"));
        Assert.Equal(big, await File.ReadAllBytesAsync(Path.Combine(await MaterializeAsync(), "big.bin")));
    }

    [Fact]
    public async Task Small_blobs_go_in_batches_within_the_farm_limits_and_larger_ones_are_streamed()
    {
        for (var directory = 0; directory < 3; directory++)
        {
            for (var file = 0; file < 400; file++)
            {
                _context.Write(($"d{directory}/f{file:D3}.txt", $"file {file} of directory {directory}\n"));
            }
        }

        var big = RandomNumberGenerator.GetBytes(65_537); // one byte over what a batch takes per blob
        _context.WriteBytes("big.bin", big);
        var snapshot = Take();

        var upload = await Upload(snapshot);

        // 1,201 files and 4 directory nodes: all but big.bin fit a batch, 1,000 blobs per call at most.
        Assert.Equal(new ContextUploadResult(1_205, 1_205, 1_205, snapshot.Blobs.Sum(static b => b.Size), Chunks: 2, Batches: 2), upload);
        Assert.Equal([1_000, 204], _server.Recorder.Batches.Select(static b => b.Blobs.Count).Order().Reverse());
        Assert.Equal([Digest.Sha256(big).ToString()], _server.Recorder.Chunks.Where(static c => c.Blob is not null).Select(static c => c.Blob.Digest));
        Assert.Equal(snapshot.Blobs.Select(static b => b.Digest.ToString()).Order(StringComparer.Ordinal), _server.Recorder.UploadedDigests.Order(StringComparer.Ordinal));
        Assert.All(snapshot.Blobs, blob => Assert.True(_server.Store.Exists(blob.Digest), blob.Description));
        Assert.Equal(big, await File.ReadAllBytesAsync(Path.Combine(await MaterializeAsync(snapshot), "big.bin")));
    }

    [Fact]
    public async Task A_file_changed_after_the_snapshot_is_refused_by_the_client_and_never_stored()
    {
        _context.Write(("same-size.txt", "aaaa"));
        var snapshot = Take();
        _context.Write(("same-size.txt", "bbbb"));

        var error = await Assert.ThrowsAsync<IOException>(() => Upload(snapshot));

        Assert.Equal("The context's file \"same-size.txt\" changed after it was hashed; take the snapshot again.", error.Message);
        Assert.False(_server.Store.Exists(Digest.Sha256("aaaa"u8)));
        Assert.False(_server.Store.Exists(Digest.Sha256("bbbb"u8)));
    }

    [Fact]
    public async Task Materializing_a_tree_whose_blob_is_missing_names_the_blob_and_its_path()
    {
        _context.Write(("kept.txt", "kept"), ("dir/lost.txt", "lost"));
        var snapshot = Take();
        var lost = Digest.Sha256("lost"u8);
        foreach (var blob in snapshot.Blobs.Where(b => b.Digest != lost))
        {
            await using var content = blob.OpenRead();
            await _server.Store.WriteAsync(content, blob.Digest, blob.Size);
        }

        var error = await Assert.ThrowsAsync<TreeBlobMissingException>(() => MaterializeAsync(snapshot));

        Assert.Equal($"Tree {snapshot.Root} is incomplete: blob {lost} (\"dir/lost.txt\") is not in the content store.", error.Message);
    }

    private ContextSnapshot Take() => ContextSnapshot.Take(new ContextSnapshotOptions
    {
        ContextDirectory = _context.Root,
        DigestCacheFile = Path.Combine(_context.Scratch, "digests.msgpack"),
        OnlyPathsTheDockerfileReads = false,
    });

    private Task<ContextUploadResult> Upload(ContextSnapshot snapshot) => new ContextUploader(_server.Content).UploadAsync(snapshot);

    private async Task<string> MaterializeAsync(ContextSnapshot? snapshot = null)
    {
        var target = Path.Combine(_context.Scratch, "materialized");
        await ContextTree.MaterializeAsync((snapshot ?? Take()).Root, _server.Store, target);
        return target;
    }

    /// <summary>The node digest of a directory of the snapshot, found by reading the nodes from the root down.</summary>
    private static string NodeDigest(ContextSnapshot snapshot, string directory)
    {
        var blobs = snapshot.Blobs.ToDictionary(static b => b.Digest);
        var digest = snapshot.Root;
        foreach (var name in directory.Split('/'))
        {
            using var stream = blobs[digest].OpenRead();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            digest = TreeNode.Parse(copy.ToArray()).Entries.Single(e => e.Name == name).Digest!.Value;
        }

        return digest.ToString();
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
