using BuildFarm.Api.Tests.TestSupport;
using BuildFarm.Client.Context;
using BuildFarm.Testing;

namespace BuildFarm.Api.Tests.Context;

/// <summary>What a snapshot reads: links stay links, nothing outside the context, and what cannot be sent is reported.</summary>
public sealed class SnapshotTests : IDisposable
{
    private readonly ContextFiles _context = new();

    public void Dispose() => _context.Dispose();

    [Fact]
    public void A_symlink_to_a_directory_outside_the_context_is_sent_as_a_link_and_never_entered()
    {
        File.WriteAllText(Path.Combine(_context.Scratch, "outside-secret"), "must not be read");
        _context.Write(("inside.txt", "in")).Link("escape", _context.Scratch);

        var snapshot = Take();

        Assert.Equal(["escape -> " + _context.Scratch, "inside.txt"], TreeListing.OfSnapshot(snapshot));
        Assert.Equal((1, 1, 1), (snapshot.Files, snapshot.Symlinks, snapshot.FilesHashed));
    }

    [Fact]
    public async Task Sockets_devices_and_fifos_are_left_out_and_reported()
    {
        _context.Write(("kept.txt", "kept"), ("dir/", string.Empty));
        var mkfifo = await ProcessRunner.RunAsync("mkfifo", [_context.PathOf("dir/pipe")]);
        Assert.True(mkfifo.ExitCode == 0, mkfifo.Error);

        var snapshot = Take();

        Assert.Equal(["dir/pipe"], snapshot.Skipped);
        Assert.Equal(["dir/", "kept.txt"], TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void A_Dockerfile_outside_the_context_is_not_part_of_the_tree()
    {
        var dockerfile = Path.Combine(_context.Scratch, "Dockerfile");
        File.WriteAllText(dockerfile, "FROM scratch\nCOPY kept.txt /\n");
        _context.Write(("kept.txt", "kept"), ("other.txt", "other"));

        var snapshot = ContextSnapshot.Take(new ContextSnapshotOptions { ContextDirectory = _context.Root, DockerfilePath = dockerfile });

        Assert.Null(snapshot.DockerfileInContext);
        Assert.Equal(["/kept.txt"], snapshot.SelectedPaths);
        Assert.Equal(["kept.txt"], TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void A_same_size_rewrite_that_restores_the_modification_time_is_still_hashed_again()
    {
        _context.Write(("stable.txt", "stable"), ("edited.txt", "before"));
        var cache = Path.Combine(_context.Scratch, "digests.msgpack");
        var first = Take(cache);
        var modified = File.GetLastWriteTimeUtc(_context.PathOf("edited.txt"));

        _context.Write(("edited.txt", "after!"));
        File.SetLastWriteTimeUtc(_context.PathOf("edited.txt"), modified); // as `touch -r` or `rsync -t` would
        var second = Take(cache);

        Assert.Equal((2, 1), (first.FilesHashed, second.FilesHashed));
        Assert.NotEqual(first.Root, second.Root);
        Assert.Contains(second.Blobs, static blob => blob.Digest == BuildFarm.Oci.Digest.Sha256("after!"u8));
    }

    [Fact]
    public async Task A_warm_snapshot_of_an_unchanged_context_leaves_the_digest_cache_file_as_it_is()
    {
        _context.Write(("a.txt", "a"), ("dir/b.txt", "b"));
        var cache = Path.Combine(_context.Scratch, "digests.msgpack");
        var cold = Take(cache);
        var written = (new FileInfo(cache).LastWriteTimeUtc, await InodeAsync(cache), File.ReadAllBytes(cache));

        var warm = Take(cache);

        Assert.Equal((2, 0), (cold.FilesHashed, warm.FilesHashed));
        Assert.Equal(cold.Root, warm.Root);
        var (modified, inode, bytes) = written;
        Assert.Equal(modified, new FileInfo(cache).LastWriteTimeUtc);
        Assert.Equal(inode, await InodeAsync(cache)); // a rewrite renames a new file over it
        Assert.Equal(bytes, File.ReadAllBytes(cache));
    }

    [Fact]
    public void Files_hashed_in_parallel_give_the_same_snapshot_blob_for_blob_as_the_cache_gives()
    {
        for (var i = 0; i < 600; i++)
        {
            _context.Write(($"d{i % 7}/sub{i % 3}/f{i:D3}.txt", $"content {i % 450}\n")); // 150 contents occur twice
        }

        var cache = Path.Combine(_context.Scratch, "digests.msgpack");
        var cold = Take(cache);
        var coldAgain = Take();
        var warm = Take(cache);

        Assert.Equal((600, 600, 0), (cold.FilesHashed, coldAgain.FilesHashed, warm.FilesHashed));
        Assert.Equal(450 + 7 * 3 + 7 + 1, cold.Blobs.Count);
        Assert.Equal(Listing(cold), Listing(coldAgain));
        Assert.Equal(Listing(cold), Listing(warm));
        Assert.Equal(cold.Root, warm.Root);
    }

    [Fact]
    public void A_deleted_file_drops_its_digest_from_the_cache_file()
    {
        _context.Write(("kept.txt", "kept"), ("gone.txt", "gone"));
        var cache = Path.Combine(_context.Scratch, "digests.msgpack");
        Take(cache);
        File.Delete(_context.PathOf("gone.txt"));
        Take(cache);
        _context.Write(("gone.txt", "gone"));

        var again = Take(cache);

        Assert.Equal(1, again.FilesHashed); // gone.txt's entry went with the file; kept.txt's stayed
    }

    [Fact]
    public void A_damaged_digest_cache_file_costs_one_cold_walk_and_is_replaced()
    {
        _context.Write(("a.txt", "a"), ("b.txt", "b"));
        var cache = Path.Combine(_context.Scratch, "digests.msgpack");
        Take(cache);
        var bytes = File.ReadAllBytes(cache);
        File.WriteAllBytes(cache, bytes[..(bytes.Length / 2)]);

        var afterDamage = Take(cache);
        var warm = Take(cache);

        Assert.Equal((2, 0), (afterDamage.FilesHashed, warm.FilesHashed));
        Assert.Equal(bytes, File.ReadAllBytes(cache));
    }

    private static async Task<string> InodeAsync(string path) => (await ProcessRunner.RunCheckedAsync("stat", ["-c", "%i", path])).Trim();

    [Fact]
    public void A_missing_context_directory_is_a_clear_error()
    {
        var missing = Path.Combine(_context.Scratch, "no-such-context");

        var error = Assert.Throws<DirectoryNotFoundException>(() => ContextSnapshot.Take(new ContextSnapshotOptions { ContextDirectory = missing }));

        Assert.Equal($"The build context '{missing}' is not a directory.", error.Message);
    }

    /// <summary>The snapshot's blobs in its order: what each is and its digest.</summary>
    private static string[] Listing(ContextSnapshot snapshot) => [.. snapshot.Blobs.Select(static b => $"{b.Description} {b.Digest} {b.Size}")];

    private ContextSnapshot Take(string? digestCache = null) => ContextSnapshot.Take(new ContextSnapshotOptions
    {
        ContextDirectory = _context.Root,
        OnlyPathsTheDockerfileReads = false,
        DigestCacheFile = digestCache,
    });
}
