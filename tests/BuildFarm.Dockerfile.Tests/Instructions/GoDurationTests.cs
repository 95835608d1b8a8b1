using BuildFarm.Dockerfile.Instructions;

namespace BuildFarm.Dockerfile.Tests.Instructions;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("90s", 90_000_000_000L)]
    [InlineData("1m30s", 90_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData("300ms", 300_000_000L)]
    [InlineData("2us", 2_000L)]
    [InlineData("2µs", 2_000L)]
    [InlineData("7ns", 7L)]
    [InlineData("-2s", -2_000_000_000L)]
    [InlineData("+.5s", 500_000_000L)]
    public void Parses_go_syntax(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration, out _));
        Assert.Equal(nanoseconds, duration.Nanoseconds);
    }

    [Theory]
    [InlineData("", "time: invalid duration \"\"")]
    [InlineData("s", "time: invalid duration \"s\"")]
    [InlineData("1..2s", "time: invalid duration \"1..2s\"")]
    [InlineData("10", "time: missing unit in duration \"10\"")]
    [InlineData("3d", "time: unknown unit \"d\" in duration \"3d\"")]
    public void Rejects_with_go_messages(string text, string error)
    {
        Assert.False(GoDuration.TryParse(text, out _, out var message));
        Assert.Equal(error, message);
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(7L, "7ns")]
    [InlineData(2_000L, "2µs")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(30_000_000_000L, "30s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(3_723_500_000_000L, "1h2m3.5s")]
    [InlineData(-1_500_000_000L, "-1.5s")]
    public void Formats_as_go_does(long nanoseconds, string text)
    {
        Assert.Equal(text, new GoDuration(nanoseconds).ToString());
    }
}
