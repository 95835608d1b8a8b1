using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

public sealed class ParseTreePrinterTests
{
    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
    [InlineData("\a\b\f\n\r\t\v", "\"\\a\\b\\f\\n\\r\\t\\v\"")]
    [InlineData("\u0000\u001f\u007f", "\"\\x00\\x1f\\x7f\"")]
    [InlineData("\u0080\u0085\u00a0\u00ad", "\"\\u0080\\u0085\\u00a0\\u00ad\"")]
    [InlineData("é♥☃\u00a1\u00ff", "\"é♥☃\u00a1\u00ff\"")]
    [InlineData("\u200b\u2028\ufeff", "\"\\u200b\\u2028\\ufeff\"")]
    [InlineData("\U0001F600", "\"\U0001F600\"")]
    [InlineData("\U000E0001\U0010FFFD", "\"\\U000e0001\\U0010fffd\"")]
    public void Strings_are_quoted_as_Go_quotes_them(string argument, string quoted)
    {
        var instruction = new ParsedInstruction("cmd", [], [argument], true, [], null, "", new SourceLocation("Dockerfile", 1, 1));

        Assert.Equal($"(cmd {quoted})", ParseTreePrinter.Print(instruction));
    }

    [Fact]
    public void Each_instruction_is_one_line_ending_in_a_newline()
    {
        Assert.Equal(
            "(from \"a\")\n(run [\"--network=none\"] \"b\")\n(onbuild (cmd))\n",
            Parse.Tree("FROM a\nRUN --network=none b\nONBUILD CMD []\n"));
    }

    [Fact]
    public void A_line_of_only_continuations_prints_as_BuildKit_trims_it()
    {
        Assert.Equal("(\"\")\n", Parse.Tree("\\\n"));
    }
}
