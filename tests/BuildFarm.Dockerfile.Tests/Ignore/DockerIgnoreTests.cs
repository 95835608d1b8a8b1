using BuildFarm.Dockerfile.Ignore;

namespace BuildFarm.Dockerfile.Tests.Ignore;

public sealed class DockerIgnoreTests
{
    private static DockerIgnore Read(string text) => DockerIgnore.Parse(text, ".dockerignore");

    [Fact]
    public void Reading_skips_comments_and_blanks_and_cleans_patterns()
    {
        var ignore = Read("\uFEFF# comment\n\n  *.log  \n/abs/path\n./rel/dir/\na//b/../c\n! keep.log\n #not a comment\r\n");
        Assert.Equal(["*.log", "abs/path", "rel/dir", "a/c", "keep.log", "#not a comment"], ignore.Patterns.Select(p => p.Pattern));
        Assert.Equal([false, false, false, false, true, false], ignore.Patterns.Select(p => p.IsException));
        Assert.True(ignore.HasExceptions);
    }

    [Theory]
    [InlineData("Dockerfile", true)]
    [InlineData("README.md", true)]
    [InlineData("src", false)]
    [InlineData("src/app/main.c", false)]
    [InlineData("other/src", true)]
    [InlineData("./src/x", false)]
    [InlineData("/src/x", false)]
    public void Everything_but_src(string path, bool ignored)
    {
        Assert.Equal(ignored, Read("*\n!src\n").IsIgnored(path));
    }

    [Theory]
    [InlineData("*.md", "README.md", true)]
    [InlineData("*.md", "docs/README.md", false)]
    [InlineData("**/*.md", "docs/deep/README.md", true)]
    [InlineData("**/*.md", "README.md", true)]
    [InlineData("docs/**", "docs/a/b", true)]
    [InlineData("docs/**", "docsx", false)]
    [InlineData("**/node_modules", "a/b/node_modules/x/y.js", true)]
    [InlineData("**/node_modules", "node_modules", true)]
    [InlineData("a/**/z", "a/z", true)]
    [InlineData("a/**/z", "a/b/c/z", true)]
    [InlineData("a/**/z", "b/a/z", false)]
    [InlineData("?.txt", "a.txt", true)]
    [InlineData("?.txt", "ab.txt", false)]
    [InlineData("?.txt", "a/b.txt", false)]
    [InlineData("[a-c].txt", "b.txt", true)]
    [InlineData("[a-c].txt", "d.txt", false)]
    [InlineData("[^a].txt", "a.txt", false)]
    [InlineData("[^a].txt", "b.txt", true)]
    [InlineData("\\*.txt", "*.txt", true)]
    [InlineData("\\*.txt", "a.txt", false)]
    [InlineData("file.(x)", "file.(x)", true)]
    [InlineData("build", "build/out/bin", true)]
    [InlineData("build", "src/build", false)]
    [InlineData("*/temp*", "x/temporary", true)]
    [InlineData("*/temp*", "x/y/temporary", false)]
    [InlineData("**", "anything/at/all", true)]
    public void Pattern_rules(string pattern, string path, bool ignored)
    {
        Assert.Equal(ignored, Read(pattern).IsIgnored(path));
    }

    [Fact]
    public void Exceptions_apply_in_order_and_a_later_pattern_wins()
    {
        var ignore = Read("*.txt\n!keep*.txt\nkeep-not.txt\n");
        Assert.True(ignore.IsIgnored("a.txt"));
        Assert.False(ignore.IsIgnored("keep.txt"));
        Assert.True(ignore.IsIgnored("keep-not.txt"));
        Assert.False(ignore.IsIgnored("a.md"));
    }

    [Fact]
    public void The_context_root_is_never_ignored()
    {
        Assert.False(Read("*\n").IsIgnored("."));
        Assert.False(Read("*\n").IsIgnored(""));
    }

    [Theory]
    [InlineData("*.log\n!\n", ".dockerignore:2: illegal exclusion pattern: \"!\"")]
    [InlineData("[a\n", ".dockerignore:1: syntax error in pattern: [a")]
    [InlineData("ok\nbad\\\n", ".dockerignore:2: syntax error in pattern: bad\\")]
    [InlineData("[]a]\n", ".dockerignore:1: syntax error in pattern: []a]")]
    public void Malformed_patterns_are_rejected_with_their_line(string text, string error)
    {
        Assert.Equal(error, Assert.Throws<DockerfileException>(() => Read(text)).Message);
    }

    [Fact]
    public void Pruning_without_exceptions_skips_every_ignored_directory()
    {
        Assert.False(Read("node_modules\n").CouldReincludeUnder("node_modules"));
    }

    [Fact]
    public void Pruning_keeps_directories_on_the_way_to_a_literal_exception()
    {
        var ignore = Read("*\n!src/keep/**\n");
        Assert.True(ignore.CouldReincludeUnder("src"));
        Assert.True(ignore.CouldReincludeUnder("src/keep"));
        Assert.False(ignore.CouldReincludeUnder("other"));
        Assert.False(ignore.CouldReincludeUnder("src/other"));
    }

    [Fact]
    public void Pruning_stops_when_an_exception_has_wildcards()
    {
        Assert.True(Read("*\n!**/*.go\n").CouldReincludeUnder("anything/deep"));
    }

    [Fact]
    public void A_dockerfile_specific_ignore_file_wins_over_the_context_one()
    {
        var context = Directory.CreateTempSubdirectory("dockerignore-");
        try
        {
            var dockerfile = Path.Combine(context.FullName, "app.Dockerfile");
            File.WriteAllText(dockerfile, "FROM scratch\n");
            Assert.Null(DockerIgnore.Locate(context.FullName, dockerfile));
            Assert.Same(DockerIgnore.Empty, DockerIgnore.Load(context.FullName, dockerfile));

            File.WriteAllText(Path.Combine(context.FullName, ".dockerignore"), "*.log\n");
            Assert.Equal(Path.Combine(context.FullName, ".dockerignore"), DockerIgnore.Locate(context.FullName, dockerfile));

            File.WriteAllText(dockerfile + ".dockerignore", "*.tmp\n");
            Assert.Equal(dockerfile + ".dockerignore", DockerIgnore.Locate(context.FullName, dockerfile));
            var loaded = DockerIgnore.Load(context.FullName, dockerfile);
            Assert.True(loaded.IsIgnored("x.tmp"));
            Assert.False(loaded.IsIgnored("x.log"));
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }
}
