using BuildFarm.Execution.Config.Internal;

namespace BuildFarm.Execution.Tests.Config;

public sealed class GoFormatTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("say \"hi\"\\", "\"say \\\"hi\\\"\\\\\"")]
    [InlineData("a\nb\tc\r", "\"a\\nb\\tc\\r\"")]
    [InlineData("\u0001\u007f", "\"\\x01\\x7f\"")]
    [InlineData("h\u00e9llo \u4e16", "\"h\u00e9llo \u4e16\"")]
    [InlineData("\u00a0\u200b", "\"\\u00a0\\u200b\"")]
    public void Quote_matches_go_strconv_quote(string value, string expected)
    {
        Assert.Equal(expected, GoFormat.Quote(value));
    }

    [Fact]
    public void Lists_match_go_verbs()
    {
        Assert.Equal("[/bin/sh -c]", GoFormat.List(["/bin/sh", "-c"]));
        Assert.Equal("[\"/bin/sh\" \"-c\" \"echo a b\"]", GoFormat.QuotedList(["/bin/sh", "-c", "echo a b"]));
        Assert.Equal("[]", GoFormat.List([]));
    }
}
