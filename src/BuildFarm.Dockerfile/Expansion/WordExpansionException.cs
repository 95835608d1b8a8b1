using BuildFarm.Dockerfile.Expansion.Internal;

namespace BuildFarm.Dockerfile.Expansion;

/// <summary>
/// A word could not be expanded. The message is BuildKit's:
/// <c>failed to process "he${XXX:?}": XXX: is not allowed to be unset</c>.
/// </summary>
public sealed class WordExpansionException : Exception
{
    public WordExpansionException(string word, string reason)
        : base($"failed to process {GoStringQuoting.Quote(word)}: {reason}")
    {
        Word = word;
        Reason = reason;
    }

    /// <summary>The word as written, before expansion.</summary>
    public string Word { get; }

    /// <summary>What is wrong, without the word: <c>XXX: is not allowed to be unset</c>.</summary>
    public string Reason { get; }
}
