using System.Text.RegularExpressions;

namespace BuildFarm.Dockerfile.Instructions.Internal;

/// <summary>Recognises a heredoc reference among an instruction's words (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-"EOF"</c>).</summary>
internal static partial class HeredocWord
{
    /// <summary>The delimiter name the word refers to, quotes removed, or null when it is no heredoc.</summary>
    public static string? NameOf(string word)
    {
        var match = Pattern().Match(word);
        if (!match.Success)
        {
            return null;
        }

        var name = match.Groups[1].Value.Trim().Replace("\"", string.Empty, StringComparison.Ordinal).Replace("'", string.Empty, StringComparison.Ordinal);
        return name.Length == 0 ? null : name;
    }

    [GeneratedRegex(@"^\d*<<-?\s*([^<]*)$")]
    private static partial Regex Pattern();
}
