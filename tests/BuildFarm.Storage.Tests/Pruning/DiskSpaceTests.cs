using BuildFarm.Storage.Pruning;
using BuildFarm.Storage.Steps;

namespace BuildFarm.Storage.Tests.Pruning;

public sealed class DiskSpaceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "buildfarm-diskspace-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Measure_sums_regular_file_lengths_and_never_follows_links()
    {
        Write("a/one", 10);
        Write("a/b/two", 1234);
        Write("three", 1);
        File.CreateSymbolicLink(Path.Combine(_root, "a", "to-root"), "/");
        File.CreateSymbolicLink(Path.Combine(_root, "to-three"), Path.Combine(_root, "three"));

        Assert.Equal(1245, DiskSpace.Measure(_root));
        Assert.Equal(1244, DiskSpace.Measure(Path.Combine(_root, "a")));
        Assert.Equal(1, DiskSpace.Measure(Path.Combine(_root, "three")));
        Assert.Equal(0, DiskSpace.Measure(Path.Combine(_root, "missing")));
    }

    [Fact]
    public void Empty_deletes_every_entry_and_counts_it_but_keeps_the_directory_and_what_links_point_to()
    {
        Write("contexts/build-1/file", 100);
        Write("contexts/build-2/a/b", 7);
        Write("contexts/stray", 3);
        Write("outside/precious", 5);
        File.CreateSymbolicLink(Path.Combine(_root, "contexts", "build-1", "link"), Path.Combine(_root, "outside"));
        File.CreateSymbolicLink(Path.Combine(_root, "contexts", "top-link"), Path.Combine(_root, "outside"));

        var removed = DiskSpace.Empty(Path.Combine(_root, "contexts"));

        Assert.Equal(new Amount(4, 110), removed);
        Assert.True(File.Exists(Path.Combine(_root, "outside", "precious")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "contexts")));
        Assert.Equal(Amount.Zero, DiskSpace.Empty(Path.Combine(_root, "missing")));
    }

    [Fact]
    public void Step_records_are_listed_with_their_file_sizes_and_cleared()
    {
        var store = new StepRecordStore(_root);
        var record = new StepRecord("sha256:" + new string('a', 64), "application/vnd.oci.image.layer.v1.tar+gzip", 42, "sha256:" + new string('b', 64), 2048, DateTimeOffset.UnixEpoch, "silo-1");
        store.Record(Oci.Digest.Sha256([1]), record);
        store.Record(Oci.Digest.Sha256([2]), record with { LayerDigest = null, LayerMediaType = null, LayerSize = 0, DiffId = null });
        File.WriteAllText(Path.Combine(_root, "steps", "sha256-" + new string('c', 64)), "not a record");
        var files = Directory.GetFiles(Path.Combine(_root, "steps")).ToDictionary(path => Path.GetFileName(path)!, path => new FileInfo(path).Length);

        var listed = store.List();

        Assert.Equal(
            [(42L, files["sha256-" + Oci.Digest.Sha256([1]).Hex]), (0L, files["sha256-" + Oci.Digest.Sha256([2]).Hex])],
            listed.Select(r => (r.Record.LayerSize, r.Bytes)).OrderByDescending(r => r.Item1));
        Assert.Equal(new Amount(3, files.Values.Sum()), store.Clear());
        Assert.Empty(store.List());
        Assert.Null(store.Find(Oci.Digest.Sha256([1])));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void Write(string path, int length)
    {
        var full = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, new byte[length]);
    }
}
