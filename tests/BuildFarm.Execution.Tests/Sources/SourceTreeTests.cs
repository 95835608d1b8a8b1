using BuildFarm.Execution.Sources;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Sources;

/// <summary>Hostile paths and links: whatever they say, nothing outside the root is read.</summary>
public sealed class SourceTreeTests : IDisposable
{
    private readonly TempDirectory _temp = new("rooted");
    private readonly string _root;
    private readonly FileDigestCache _digests = new();
    private readonly SourceTree _tree;

    public SourceTreeTests()
    {
        _root = _temp.CreateDirectory("root");
        TreeBuilder.Write(_root, ("etc/passwd", "in-root passwd"), ("data/file", "data"));
        TreeBuilder.Link(_root, "abs-etc", "/etc");
        TreeBuilder.Link(_root, "abs-passwd", "/etc/passwd");
        TreeBuilder.Link(_root, "data/up-passwd", "../../../../etc/passwd");
        TreeBuilder.Link(_root, "up-shadow", "../../../../etc/shadow");
        TreeBuilder.Link(_root, "loop-a", "loop-b");
        TreeBuilder.Link(_root, "loop-b", "loop-a");
        _tree = SourceTree.ForRootFileSystem(_root, _digests);
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("abs-passwd", "etc/passwd")]
    [InlineData("abs-etc/passwd", "etc/passwd")]
    [InlineData("data/up-passwd", "etc/passwd")]
    [InlineData("../../../etc/passwd", "etc/passwd")]
    [InlineData("/abs-etc/../data/./file", "data/file")]
    [InlineData("abs-etc/../../..", "")]
    public void Links_and_dot_dots_resolve_inside_the_root(string path, string expected)
    {
        Assert.Equal(expected, _tree.Resolve(path));
    }

    [Fact]
    public void A_link_out_of_the_root_reads_the_in_root_file_never_the_host_one()
    {
        var viaLinks = SourceChecksum.Compute(_tree, ["abs-passwd", "data/up-passwd"], []);
        File.WriteAllText(Path.Combine(_root, "etc/passwd"), "changed in root");
        Assert.NotEqual(viaLinks, SourceChecksum.Compute(_tree, ["abs-passwd", "data/up-passwd"], []));
    }

    [Fact]
    public void A_link_to_a_host_file_missing_from_the_root_is_not_found()
    {
        Assert.True(File.Exists("/etc/shadow"));
        Assert.Null(_tree.Resolve("up-shadow"));
        var error = Assert.Throws<SourceNotFoundException>(() => SourceChecksum.Compute(_tree, ["up-shadow"], []));
        Assert.Equal("failed to compute cache key: \"up-shadow\": not found", error.Message);
    }

    [Fact]
    public void Links_inside_a_selected_directory_count_by_target_and_are_not_followed()
    {
        TreeBuilder.Link(_root, "data/host", "/etc/hostname");
        var before = SourceChecksum.Compute(_tree, ["data"], []);
        Assert.Equal(1, _digests.FilesHashed); // data/file only: the link to /etc/hostname is never opened
        File.WriteAllText(Path.Combine(_root, "etc/passwd"), "changed in root");
        Assert.Equal(before, SourceChecksum.Compute(_tree, ["data"], []));
    }

    [Fact]
    public void A_symlink_loop_is_an_error_not_a_hang()
    {
        var error = Assert.Throws<IOException>(() => _tree.Resolve("loop-a/x"));
        Assert.Equal("Cannot resolve \"loop-a/x\": too many levels of symbolic links.", error.Message);
    }
}
