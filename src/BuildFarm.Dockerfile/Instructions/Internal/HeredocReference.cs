using BuildFarm.Dockerfile.Parsing.Internal;

namespace BuildFarm.Dockerfile.Instructions.Internal;

/// <summary>Recognises a word that refers to a heredoc (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-"EOF"</c>) with the parser's own rules.</summary>
internal static class HeredocReference
{
    /// <summary>The delimiter name the word refers to, quotes removed, or null when it is no heredoc.</summary>
    public static string? NameOf(string word)
    {
        try
        {
            return HeredocWords.Parse(word)?.Name;
        }
        catch (InstructionSyntaxException)
        {
            return null;
        }
    }
}
