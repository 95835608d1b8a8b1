using System.Text;
using BuildFarm.Dockerfile.Parsing.Internal;

namespace BuildFarm.Dockerfile.Parsing;

/// <summary>
/// Prints a parse tree in BuildKit's dump format, the format of its conformance <c>result</c>
/// files: one <c>(keyword ["--flag" ...] "arg" ...)</c> line per instruction, strings quoted as Go
/// quotes them, an ONBUILD trigger nested as <c>(onbuild (run "x"))</c>.
/// </summary>
public static class ParseTreePrinter
{
    /// <summary>The whole tree: each instruction on its own line, every line ending in <c>\n</c>.</summary>
    public static string Print(ParsedDockerfile dockerfile)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        var builder = new StringBuilder();
        foreach (var instruction in dockerfile.Instructions)
        {
            builder.Append(Print(instruction)).Append('\n');
        }
        return builder.ToString();
    }

    /// <summary>One instruction, e.g. <c>(copy ["--from=build"] "/out" "/")</c>.</summary>
    public static string Print(ParsedInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        return "(" + Node(instruction) + ")";
    }

    private static string Node(ParsedInstruction instruction)
    {
        var builder = new StringBuilder(instruction.Keyword);
        if (instruction.Flags.Count > 0)
        {
            builder.Append(" [");
            for (var i = 0; i < instruction.Flags.Count; i++)
            {
                if (i > 0)
                {
                    builder.Append(' ');
                }
                GoQuote.AppendQuoted(builder, instruction.Flags[i]);
            }
            builder.Append(']');
        }
        foreach (var argument in instruction.Arguments)
        {
            GoQuote.AppendQuoted(builder.Append(' '), argument);
        }
        if (instruction.Inner is { } inner)
        {
            builder.Append(' ').Append(Print(inner));
        }
        // BuildKit trims its dump, which matters only when the keyword is empty (a line that
        // was nothing but continuations).
        return builder.ToString().Trim();
    }
}
