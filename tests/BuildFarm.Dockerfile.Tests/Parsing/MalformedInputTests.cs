using BuildFarm.Dockerfile;
using System.Text;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

/// <summary>Hostile input gives a clear error or a correct parse, in bounded time, never a crash.</summary>
public sealed class MalformedInputTests
{
    // Generous for a loaded two-core machine; each case takes well under a second when linear.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_ten_megabyte_line_is_rejected_as_too_long()
    {
        var dockerfile = "FROM a\nRUN " + new string('x', 10 * 1024 * 1024) + "\n";

        var message = await ErrorWithin(dockerfile);

        Assert.Equal("Dockerfile:2: dockerfile line greater than max allowed size of 65535", message);
    }

    [Fact]
    public async Task The_line_limit_is_BuildKits_64_KiB_including_the_newline()
    {
        var longest = "RUN " + new string('x', 65535 - 4);

        var parsed = await ParseWithin(longest + "\n");
        Assert.Equal(65535 - 4, parsed.Instructions[0].Arguments[0].Length);
        Assert.Equal(
            "Dockerfile:1: dockerfile line greater than max allowed size of 65535",
            await ErrorWithin(longest + "x\n"));
    }

    [Fact]
    public async Task Ten_megabytes_of_continuation_lines_make_one_instruction()
    {
        var line = new string('y', 1000);
        var dockerfile = "RUN " + string.Concat(Enumerable.Repeat(line + " \\\n", 10_000)) + "end\n";

        var parsed = await ParseWithin(dockerfile);

        var run = Assert.Single(parsed.Instructions);
        Assert.Equal(string.Concat(Enumerable.Repeat(line + " ", 10_000)) + "end", run.Arguments[0]);
        Assert.Equal(new SourceLocation("Dockerfile", 1, 10_001), run.Location);
    }

    [Fact]
    public async Task A_thousand_continuations_with_comments_and_blank_lines()
    {
        var builder = new StringBuilder("FROM a\nRUN start \\\n");
        for (var i = 0; i < 1000; i++)
        {
            builder.Append("  # note ").Append(i).Append('\n').Append('\n').Append("  && step").Append(i).Append(" \\\n");
        }
        builder.Append("  && done\n");

        var parsed = await ParseWithin(builder.ToString());

        var expected = "start " + string.Concat(Enumerable.Range(0, 1000).Select(i => $"  && step{i} ")) + "  && done";
        Assert.Equal([expected], parsed.Instructions[1].Arguments);
        Assert.Equal(new SourceLocation("Dockerfile", 2, 3003), parsed.Instructions[1].Location);
        Assert.Equal(new SourceLocation("Dockerfile", 3003, 3003), Assert.Single(parsed.Warnings).Location);
    }

    [Fact]
    public async Task Control_characters_are_kept_and_printed_escaped()
    {
        var parsed = await ParseWithin("\u0001\u0002 a\u0000b\nFROM \u007f\u001b[0m\n");

        Assert.Equal("(\u0001\u0002 \"\")\n(from \"\\x7f\\x1b[0m\")\n", ParseTreePrinter.Print(parsed));
    }

    [Fact]
    public async Task Invalid_UTF8_is_read_as_replacement_characters()
    {
        var bytes = "FROM a\nRUN "u8.ToArray().Concat(new byte[] { 0xff, 0xfe, (byte)' ', 0xc3 }).Concat("\n"u8.ToArray()).ToArray();

        var parsed = await Within(() => DockerfileParser.Parse(new MemoryStream(bytes), "Dockerfile"));

        Assert.Equal(["\uFFFD\uFFFD \uFFFD"], parsed.Instructions[1].Arguments);
    }

    [Fact]
    public async Task Random_bytes_never_crash_or_hang_the_parser()
    {
        var random = new Random(20_240_601);
        for (var round = 0; round < 300; round++)
        {
            var bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);
            // Some rounds lean on the characters the grammar cares about.
            if (round % 2 == 0)
            {
                const string alphabet = "\n\n \t\\`'\"[]{},:=-<$#RUNCOPYENV0EOF";
                for (var i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = (byte)alphabet[bytes[i] % alphabet.Length];
                }
            }

            var outcome = await Within(() =>
            {
                try
                {
                    return ParseTreePrinter.Print(DockerfileParser.Parse(new MemoryStream(bytes), "Dockerfile"));
                }
                catch (DockerfileException e)
                {
                    return e.Message;
                }
            });

            Assert.False(string.IsNullOrEmpty(outcome));
        }
    }

    [Theory]
    [InlineData("RUN echo \"abc", "(run \"echo \\\"abc\")\n")]
    [InlineData("ENV a=\"b c", "(env \"a\" \"\\\"b c\" \"=\")\n")]
    [InlineData("COPY --x=\"a b c d", "(copy [\"--x=a b c d\"])\n")]
    [InlineData("CMD [\"a", "(cmd \"[\\\"a\")\n")]
    [InlineData("ARG x='y", "(arg \"x='y\")\n")]
    public async Task Unterminated_quotes_are_left_for_the_shell_as_BuildKit_leaves_them(string dockerfile, string tree)
    {
        Assert.Equal(tree, ParseTreePrinter.Print(await ParseWithin(dockerfile)));
    }

    [Fact]
    public async Task An_unterminated_heredoc_after_a_million_lines_is_an_error()
    {
        var dockerfile = "RUN <<EOF\n" + string.Concat(Enumerable.Repeat("line\n", 1_000_000));

        Assert.Equal("Dockerfile:1: unterminated heredoc", await ErrorWithin(dockerfile));
    }

    [Fact]
    public async Task Deeply_nested_expansions_around_a_heredoc_marker_stay_linear()
    {
        var nested = string.Concat(Enumerable.Repeat("${a:-", 100_000)) + string.Concat(Enumerable.Repeat("}", 100_000));

        var parsed = await ParseWithin("RUN <<" + Continued(nested) + "\nEOF\n");

        Assert.Empty(parsed.Instructions[0].Heredocs);
        Assert.Equal("eof", parsed.Instructions[1].Keyword);
    }

    [Fact]
    public async Task A_million_nested_JSON_arrays_fall_back_to_the_shell_form()
    {
        var json = new string('[', 1_000_000) + new string(']', 1_000_000);

        var parsed = await ParseWithin("CMD " + Continued(json) + "\n");

        Assert.Equal([json], parsed.Instructions[0].Arguments);
        Assert.False(parsed.Instructions[0].IsJsonForm);
    }

    [Fact]
    public async Task A_hundred_thousand_ONBUILDs_are_rejected_quickly()
    {
        var dockerfile = string.Concat(Enumerable.Repeat("ONBUILD \\\n", 100_000)) + "RUN x\n";

        var message = await ErrorWithin(dockerfile);

        Assert.StartsWith("Dockerfile:1: ONBUILD nested more than 8 levels deep", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_million_comment_lines_are_no_instructions()
    {
        var dockerfile = string.Concat(Enumerable.Repeat("# comment\n", 1_000_000));

        Assert.Equal("Dockerfile:1000000: file with no instructions", await ErrorWithin(dockerfile));
    }

    /// <summary>Spreads <paramref name="text"/> over continuation lines short enough for the line limit.</summary>
    private static string Continued(string text) =>
        string.Join("\\\n", text.Chunk(60_000).Select(chunk => new string(chunk)));

    private static Task<ParsedDockerfile> ParseWithin(string dockerfile) => Within(() => Parse.Text(dockerfile));

    private static Task<string> ErrorWithin(string dockerfile) => Within(() => Parse.Error(dockerfile));

    private static async Task<T> Within<T>(Func<T> work) => await Task.Run(work).WaitAsync(Bound);
}
