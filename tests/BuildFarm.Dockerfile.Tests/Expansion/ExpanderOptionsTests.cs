using BuildFarm.Dockerfile.Expansion;
using static BuildFarm.Dockerfile.Tests.Expansion.ExpansionAssert;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// BuildKit's lexer options, in the combinations its Dockerfile frontend uses them: RawQuotes
/// with SkipUnsetEnv for a RUN step's display name, SkipProcessQuotes for words expanded raw,
/// RawQuotes + RawEscapes + SkipUnsetEnv to find heredocs on a line.
/// </summary>
public sealed class ExpanderOptionsTests
{
    [Fact]
    public void RawQuotes_keeps_quotes_but_still_groups_by_them()
    {
        var expander = new ShellWordExpander { RawQuotes = true };

        Assert.Equal("a\"b 1\"d 'e $A'", expander.ExpandWord("a\"b $A\"d 'e $A'", Variables("A=1")).Value);
        Assert.Equal(["a\"b 1\"d", "'e $A'"], expander.ExpandWords("a\"b $A\"d 'e $A'", Variables("A=1")).Values);
    }

    [Fact]
    public void RawEscapes_keeps_escape_characters_but_still_escapes()
    {
        var expander = new ShellWordExpander { RawEscapes = true };

        Assert.Equal(@"a\ b\$A", expander.ExpandWord(@"a\ b\$A", Variables("A=1")).Value);
        Assert.Equal([@"a\ b", "c"], expander.ExpandWords(@"a\ b c", Variables()).Values);
        Assert.Equal(@"a\""b", expander.ExpandWord(@"""a\""b""", Variables()).Value);
        Assert.Equal(@"a\", expander.ExpandWord(@"a\", Variables()).Value);
    }

    [Fact]
    public void RawEscapes_doubles_an_escape_that_escapes_nothing_inside_double_quotes_as_BuildKit_does() =>
        Assert.Equal(@"a\\tb", new ShellWordExpander { RawEscapes = true }.ExpandWord(@"""a\tb""", Variables()).Value);

    [Fact]
    public void SkipProcessQuotes_treats_quotes_as_ordinary_characters()
    {
        var expander = new ShellWordExpander { SkipProcessQuotes = true };

        Assert.Equal("'x' \"x\"", expander.ExpandWord("'$A' \"$A\"", Variables("A=x")).Value);
        Assert.Equal(["\"a", "b\""], expander.ExpandWords("\"a b\"", Variables()).Values);
        Assert.Equal("\"", expander.ExpandWord("\\\"", Variables()).Value);
    }

    [Fact]
    public void SkipUnsetEnv_leaves_unset_references_as_written_with_expanded_operands()
    {
        var expander = new ShellWordExpander { SkipUnsetEnv = true };

        var result = expander.ExpandWord("$A $B ${C} ${D:-$A} ${E//a/b} ${F:=z} ${G#*} $1 $ ${A:-y}", Variables("A=x"));

        // BuildKit writes // back as / and does not check the operator of an unset name.
        Assert.Equal("x $B ${C} ${D:-x} ${E/a/b} ${F:=z} ${G#*} $1 $ x", result.Value);
        Names(["A", "B", "C", "D", "E", "F", "G", "1"], result.Referenced);
        Names(["B", "C", "D", "E", "F", "G", "1"], result.Unset);
    }

    [Fact]
    public void SkipUnsetEnv_still_fails_on_a_set_name_with_an_unsupported_modifier() =>
        Assert.Equal("unsupported modifier (:=) in substitution", Reason(new ShellWordExpander { SkipUnsetEnv = true }, "${A:=z}", "A=x"));

    public static TheoryData<string, string[]> HeredocLines() => new()
    {
        { "cat <<EOF >out", ["cat", "<<EOF", ">out"] },
        { "cat << \"EOF\" | x", ["cat", "<< \"EOF\"", "|", "x"] },
        { "cat <<-'E O F'", ["cat", "<<-'E O F'"] },
        { "cat <<E\\ OF $X", ["cat", "<<E\\ OF", "$X"] },
    };

    [Theory]
    [MemberData(nameof(HeredocLines))]
    public void The_heredoc_finding_options_keep_each_marker_in_one_word(string line, string[] words)
    {
        var expander = new ShellWordExpander { RawQuotes = true, RawEscapes = true, SkipUnsetEnv = true };

        Assert.Equal(words, expander.ExpandWords(line, DictionaryVariableLookup.Empty).Values);
    }
}
