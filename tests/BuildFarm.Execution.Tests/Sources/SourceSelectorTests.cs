using BuildFarm.Execution.Sources;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Sources;

public sealed class SourceSelectorTests : IDisposable
{
    private readonly TempDirectory _temp = new("sources");
    private readonly SourceTree _tree;

    public SourceSelectorTests()
    {
        var root = _temp.CreateDirectory("root");
        TreeBuilder.Write(
            root,
            ("a.txt", ""), ("b.txt", ""), ("ab.md", ""), ("c1.txt", ""), ("c2.txt", ""), ("cx.txt", ""),
            ("dir/x.txt", ""), ("dir/sub/y.txt", ""), ("dir2/x.txt", ""), ("[lit].txt", ""), ("star*.txt", ""));
        _tree = SourceTree.ForRootFileSystem(root, new FileDigestCache());
    }

    public void Dispose() => _temp.Dispose();

    private string[] Select(params string[] sources) =>
        SourceSelector.Select(_tree, sources).Select(match => match.MatchedPath).ToArray();

    [Theory]
    [InlineData("*.txt", "[lit].txt|a.txt|b.txt|c1.txt|c2.txt|cx.txt|star*.txt")]
    [InlineData("?.txt", "a.txt|b.txt")]
    [InlineData("c[0-9].txt", "c1.txt|c2.txt")]
    [InlineData("c[^0-9].txt", "cx.txt")]
    [InlineData("\\[lit].txt", "[lit].txt")]
    [InlineData("star\\*.txt", "star*.txt")]
    [InlineData("dir*/x.txt", "dir/x.txt|dir2/x.txt")]
    [InlineData("*/*/y.txt", "dir/sub/y.txt")]
    [InlineData("dir", "dir")]
    [InlineData("./dir/../a.txt", "a.txt")]
    [InlineData("../../a.txt", "a.txt")]
    [InlineData("/dir/sub", "dir/sub")]
    [InlineData(".", "")]
    public void Wildcards_select_exactly_the_matching_paths(string source, string expected)
    {
        Assert.Equal(expected.Split('|'), Select(source));
    }

    [Fact]
    public void Several_sources_keep_their_order()
    {
        Assert.Equal(["dir", "a.txt", "b.txt"], Select("dir", "[ab].txt"));
    }

    [Fact]
    public void A_malformed_wildcard_is_an_error_naming_the_source()
    {
        var error = Assert.Throws<ArgumentException>(() => Select("c[0-.txt"));
        Assert.Equal("Invalid COPY source \"c[0-.txt\": syntax error in pattern \"c[0-.txt\".", error.Message);
    }

    [Fact]
    public void A_wildcard_is_not_matched_across_a_slash_and_matching_nothing_selects_nothing()
    {
        Assert.Empty(Select("*y.txt"));
        Assert.Empty(Select("nodir*/x.txt"));
    }

    [Fact]
    public void A_path_without_wildcards_that_names_nothing_is_an_error_naming_it()
    {
        var error = Assert.Throws<SourceNotFoundException>(() => Select("dir/missing.txt"));
        Assert.Equal("failed to compute cache key: \"dir/missing.txt\": not found", error.Message);
    }
}
