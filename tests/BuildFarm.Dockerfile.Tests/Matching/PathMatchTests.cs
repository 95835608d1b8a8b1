using BuildFarm.Dockerfile.Matching;

namespace BuildFarm.Dockerfile.Tests.Matching;

/// <summary>Cases from Go's path.Match table, the meaning COPY wildcards have.</summary>
public sealed class PathMatchTests
{
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("*", "abc", true)]
    [InlineData("*c", "abc", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*", "abc", true)]
    [InlineData("a*/b", "abc/b", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzx", true)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzy", false)]
    [InlineData("ab[c]", "abc", true)]
    [InlineData("ab[b-d]", "abc", true)]
    [InlineData("ab[e-g]", "abc", false)]
    [InlineData("ab[^c]", "abc", false)]
    [InlineData("ab[^b-d]", "abc", false)]
    [InlineData("ab[^e-g]", "abc", true)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "ab", false)]
    [InlineData("a?b", "a☺b", true)]
    [InlineData("[\\-]", "-", true)]
    [InlineData("[x\\-]", "z", false)]
    [InlineData("*x", "xxx", true)]
    [InlineData("a?", "a", false)]
    public void Matches_like_go(string pattern, string name, bool expected)
    {
        Assert.True(PathMatch.IsWellFormed(pattern));
        Assert.Equal(expected, PathMatch.Matches(pattern, name));
    }

    [Theory]
    [InlineData("[")]
    [InlineData("[^")]
    [InlineData("[]a]")]
    [InlineData("[-]")]
    [InlineData("[x-]")]
    [InlineData("[a-b-c]")]
    [InlineData("a\\")]
    [InlineData("*x\\")]
    public void Rejects_what_go_calls_a_bad_pattern(string pattern)
    {
        Assert.False(PathMatch.IsWellFormed(pattern));
    }

    [Fact]
    public void A_long_run_of_stars_against_a_near_miss_finishes()
    {
        Assert.False(PathMatch.Matches(string.Concat(Enumerable.Repeat("a*", 2_000)) + "b", new string('a', 20_000)));
    }
}
