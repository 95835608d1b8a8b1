using System.Runtime.Versioning;
using BuildFarm.Dockerfile.Ignore;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Sources;

[SupportedOSPlatform("linux")]
public sealed class SourceChecksumTests : IDisposable
{
    private readonly TempDirectory _temp = new("contenthash");
    private readonly FileDigestCache _digests = new();

    public void Dispose() => _temp.Dispose();

    private string NewTree(string name)
    {
        var root = _temp.CreateDirectory(name);
        TreeBuilder.Write(root, ("app/main.c", "int main;"), ("app/lib/util.c", "util"), ("app/empty/", ""), ("other.txt", "other"));
        TreeBuilder.Link(root, "app/current", "lib/util.c");
        return root;
    }

    private Digest Checksum(string root, params string[] sources) =>
        SourceChecksum.Compute(SourceTree.ForRootFileSystem(root, _digests), sources, []);

    [Fact]
    public void The_same_tree_in_two_directories_with_different_times_has_the_same_checksum()
    {
        var first = NewTree("first");
        var second = _temp.CreateDirectory("second");
        // Written in the opposite order, so inodes and directory listing order differ too.
        TreeBuilder.Link(second, "app/current", "lib/util.c");
        TreeBuilder.Write(second, ("other.txt", "other"), ("app/empty/", ""), ("app/lib/util.c", "util"), ("app/main.c", "int main;"));
        foreach (var path in Directory.EnumerateFileSystemEntries(second, "*", SearchOption.AllDirectories).Where(p => !p.EndsWith("current", StringComparison.Ordinal)))
        {
            File.SetLastWriteTimeUtc(path, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        }

        Assert.Equal(Checksum(first, "app"), Checksum(second, "app"));
        Assert.Equal(Checksum(first, "app", "other.txt"), Checksum(second, "app", "other.txt"));
    }

    [Fact]
    public void The_checksum_of_a_fixed_tree_is_the_same_on_every_machine()
    {
        var root = _temp.CreateDirectory("fixed");
        TreeBuilder.Write(root, ("d/a.txt", "alpha\n"), ("d/b/", ""));
        TreeBuilder.Link(root, "d/l", "a.txt");
        File.SetUnixFileMode(Path.Combine(root, "d"), (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(Path.Combine(root, "d/b"), (UnixFileMode)Convert.ToInt32("700", 8));
        File.SetUnixFileMode(Path.Combine(root, "d/a.txt"), (UnixFileMode)Convert.ToInt32("644", 8));
        foreach (var path in new[] { "d", "d/a.txt", "d/b", "d/l" })
        {
            TreeBuilder.Chown(Path.Combine(root, path), 0, 0);
        }

        // Worked out by hand from the format: entry = sha256("<octal mode>\0<uid>\0<gid>\0" + "file\0<content digest>"
        // | "link\0<target>" | the children's "<name>\0<digest>\n" in ordinal order), and the whole =
        // sha256 of "<source>\0<matched path>\0<entry digest>\n" per match.
        Assert.Equal("sha256:b801ef83c59b3994a652db449d70dd9ae46fc0004cfae878f593780c2598070e", Checksum(root, "d").ToString());
    }

    public static TheoryData<string> Changes => new()
    {
        "content", "size-preserving content", "mode", "setuid", "uid", "gid", "link target", "file capability", "new file in directory", "renamed file",
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Each_change_to_the_selection_changes_the_checksum(string change)
    {
        var root = NewTree("tree");
        var before = Checksum(root, "app");
        var main = Path.Combine(root, "app/main.c");
        switch (change)
        {
            case "content":
                File.AppendAllText(main, "\n");
                break;
            case "size-preserving content":
                File.WriteAllText(main, "int mai;;");
                break;
            case "mode":
                File.SetUnixFileMode(main, File.GetUnixFileMode(main) ^ UnixFileMode.UserExecute);
                break;
            case "setuid":
                File.SetUnixFileMode(main, File.GetUnixFileMode(main) | UnixFileMode.SetUser);
                break;
            case "uid":
                TreeBuilder.Chown(main, 1234, 0);
                break;
            case "gid":
                TreeBuilder.Chown(main, 0, 1234);
                break;
            case "link target":
                File.Delete(Path.Combine(root, "app/current"));
                TreeBuilder.Link(root, "app/current", "lib/util.h");
                break;
            case "file capability":
                TreeBuilder.SetCapability(main, "cap_net_bind_service=ep");
                break;
            case "new file in directory":
                TreeBuilder.Write(root, ("app/empty/new", ""));
                break;
            case "renamed file":
                File.Move(main, Path.Combine(root, "app/main.cc"));
                break;
        }

        Assert.NotEqual(before, Checksum(root, "app"));
    }

    [Fact]
    public void Touching_a_file_or_changing_something_outside_the_selection_keeps_the_checksum()
    {
        var root = NewTree("tree");
        var before = Checksum(root, "app");

        File.SetLastWriteTimeUtc(Path.Combine(root, "app/main.c"), new DateTime(1999, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetLastAccessTimeUtc(Path.Combine(root, "app/lib/util.c"), new DateTime(1999, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.WriteAllText(Path.Combine(root, "other.txt"), "changed");
        TreeBuilder.Write(root, ("unrelated/new.txt", "new"));

        Assert.Equal(before, Checksum(root, "app"));
    }

    [Fact]
    public void Owners_in_the_context_do_not_count_since_buildkit_sends_it_as_root()
    {
        var root = NewTree("owned");
        var context = SourceTree.ForContext(root, DockerIgnore.Empty, _digests);
        var before = SourceChecksum.Compute(context, ["app"], []);
        var stageBefore = Checksum(root, "app");

        TreeBuilder.Chown(Path.Combine(root, "app/main.c"), 1234, 5678);
        Assert.Equal(before, SourceChecksum.Compute(context, ["app"], []));
        Assert.NotEqual(stageBefore, Checksum(root, "app"));
    }

    [Fact]
    public void A_file_the_dockerignore_hides_does_not_count()
    {
        var root = NewTree("context");
        var ignore = DockerIgnore.Parse("**/*.log\napp/lib\n!app/lib/util.c\n", ".dockerignore");
        var context = SourceTree.ForContext(root, ignore, _digests);
        var before = SourceChecksum.Compute(context, ["app"], []);

        TreeBuilder.Write(root, ("app/debug.log", "noise"), ("app/lib/other.c", "hidden"));
        Assert.Equal(before, SourceChecksum.Compute(context, ["app"], []));

        // The re-included file still counts.
        File.WriteAllText(Path.Combine(root, "app/lib/util.c"), "changed");
        Assert.NotEqual(before, SourceChecksum.Compute(context, ["app"], []));

        var error = Assert.Throws<SourceNotFoundException>(() => SourceChecksum.Compute(context, ["app/debug.log"], []));
        Assert.Equal("failed to compute cache key: \"app/debug.log\": not found", error.Message);
    }

    [Fact]
    public void Excluded_paths_do_not_count()
    {
        var root = NewTree("tree");
        var tree = SourceTree.ForRootFileSystem(root, _digests);
        var before = SourceChecksum.Compute(tree, ["app", "other.txt"], ["**/*.md", "lib"]);

        TreeBuilder.Write(root, ("app/README.md", "docs"), ("app/empty/NOTES.md", "notes"));
        File.WriteAllText(Path.Combine(root, "app/lib/util.c"), "excluded with its directory");
        Assert.Equal(before, SourceChecksum.Compute(tree, ["app", "other.txt"], ["**/*.md", "lib"]));

        File.WriteAllText(Path.Combine(root, "other.txt"), "counted");
        Assert.NotEqual(before, SourceChecksum.Compute(tree, ["app", "other.txt"], ["**/*.md", "lib"]));
    }

    [Fact]
    public void An_exclude_exception_brings_back_a_path_below_an_excluded_directory()
    {
        var root = NewTree("tree");
        var tree = SourceTree.ForRootFileSystem(root, _digests);
        string[] excludes = ["lib", "!lib/util.c"];
        var before = SourceChecksum.Compute(tree, ["app"], excludes);

        TreeBuilder.Write(root, ("app/lib/other.c", "still excluded"));
        Assert.Equal(before, SourceChecksum.Compute(tree, ["app"], excludes));

        File.WriteAllText(Path.Combine(root, "app/lib/util.c"), "brought back");
        Assert.NotEqual(before, SourceChecksum.Compute(tree, ["app"], excludes));
    }

    [Fact]
    public void A_source_that_names_nothing_is_an_error_naming_it_and_an_empty_wildcard_adds_nothing()
    {
        var root = NewTree("tree");
        var error = Assert.Throws<SourceNotFoundException>(() => Checksum(root, "app", "missing/a.c"));
        Assert.Equal("failed to compute cache key: \"missing/a.c\": not found", error.Message);
        Assert.Equal("missing/a.c", error.CopySource);
        Assert.Equal(Checksum(root, "app"), Checksum(root, "app", "missing/*.c"));

        var fileAsDirectory = Assert.Throws<SourceNotFoundException>(() => Checksum(root, "other.txt/x"));
        Assert.Equal("failed to compute cache key: \"other.txt/x\": not found", fileAsDirectory.Message);
    }

    [Fact]
    public void A_symlink_source_is_checksummed_as_its_target_under_the_name_it_was_matched_by()
    {
        var root = NewTree("tree");
        TreeBuilder.Link(root, "util-link", "app/lib/util.c");
        var viaLink = Checksum(root, "util-link");
        File.WriteAllText(Path.Combine(root, "app/lib/util.c"), "changed");
        Assert.NotEqual(viaLink, Checksum(root, "util-link"));
    }

    [Fact]
    public async Task A_warm_recheck_of_a_ten_thousand_file_tree_hashes_no_file()
    {
        var root = _temp.CreateDirectory("big");
        for (var directory = 0; directory < 100; directory++)
        {
            var path = Directory.CreateDirectory(Path.Combine(root, $"d{directory:D3}")).FullName;
            for (var file = 0; file < 100; file++)
            {
                File.WriteAllText(Path.Combine(path, $"f{file:D3}"), $"{directory}/{file}");
            }
        }

        var tree = SourceTree.ForRootFileSystem(root, _digests);
        // Bounded: WaitAsync throws a TimeoutException should the walk take over a minute.
        var cold = await Task.Run(() => SourceChecksum.Compute(tree, ["."], [])).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(10_000, _digests.FilesHashed);

        var warm = SourceChecksum.Compute(tree, ["."], []);
        Assert.Equal(cold, warm);
        Assert.Equal(10_000, _digests.FilesHashed);

        File.WriteAllText(Path.Combine(root, "d042/f017"), "changed");
        Assert.NotEqual(warm, SourceChecksum.Compute(tree, ["."], []));
        Assert.Equal(10_001, _digests.FilesHashed);
    }
}
