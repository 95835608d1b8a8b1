using BuildFarm.Execution.Files;

namespace BuildFarm.Execution.Tests.Files;

/// <summary>Git sources split as BuildKit's dfgitutil.ParseGitRef splits them.</summary>
public sealed class GitSourceSpecTests
{
    [Theory]
    [InlineData("https://host/org/repo.git", "https://host/org/repo.git", null, "", null, null)]
    [InlineData("https://host/repo.git#v1.2:docs/api", "https://host/repo.git", "v1.2", "docs/api", null, null)]
    [InlineData("https://host/repo.git#:/a/../b/", "https://host/repo.git", null, "b", null, null)]
    [InlineData("git@github.com:moby/buildkit.git#v0.14.1:docs", "git@github.com:moby/buildkit.git", "v0.14.1", "docs", null, null)]
    [InlineData("git://127.0.0.1:9418/app.git#main", "git://127.0.0.1:9418/app.git", "main", "", null, null)]
    [InlineData("ssh://git@host/repo.git#refs/pull/1/head", "ssh://git@host/repo.git", "refs/pull/1/head", "", null, null)]
    [InlineData("https://host/repo.git?tag=v1&subdir=src&keep-git-dir", "https://host/repo.git", "refs/tags/v1", "src", null, true)]
    [InlineData("https://host/repo.git?branch=main&checksum=abc123&keep-git-dir=false", "https://host/repo.git", "refs/heads/main", "", "abc123", false)]
    [InlineData("https://host/repo.git?ref=v1#v1", "https://host/repo.git", "v1", "", null, null)]
    public void Forms_split_into_remote_ref_subdir_and_options(string source, string remote, string? reference, string subdir, string? checksum, bool? keepGitDir)
    {
        Assert.Equal(new GitSourceSpec(source, remote, reference, subdir, checksum, keepGitDir), GitSourceSpec.Parse(source));
    }

    [Theory]
    [InlineData("https://host/repo.git?depth=1", "unexpected query \"depth\"")]
    [InlineData("https://host/repo.git?ref=a&ref=b", "query \"ref\" has multiple values")]
    [InlineData("https://host/repo.git?ref=", "query \"ref\" has no value")]
    [InlineData("https://host/repo.git?ref=a#b", "ref conflicts: \"b\" vs \"a\"")]
    [InlineData("https://host/repo.git?tag=a&branch=b", "branch conflicts with tag")]
    [InlineData("https://host/repo.git?keep-git-dir=maybe", "invalid keep-git-dir value: \"maybe\"")]
    public void Bad_queries_are_refused_in_buildkits_words(string source, string message)
    {
        Assert.Equal(message, Assert.Throws<FileCopyException>(() => GitSourceSpec.Parse(source)).Message);
    }

    [Fact]
    public void A_password_is_redacted_when_the_remote_is_printed()
    {
        Assert.Equal("https://user:xxxxx@host/repo.git", GitSourceSpec.Parse("https://user:s3cret@host/repo.git#main").RedactedRemote);
        Assert.Equal("git@host:repo.git", GitSourceSpec.Parse("git@host:repo.git").RedactedRemote);
    }
}
