namespace BuildFarm.Dockerfile.Expansion;

/// <summary>One word after expansion.</summary>
/// <param name="Value">The word with quotes removed, escapes processed and variables expanded.</param>
/// <param name="Referenced">
/// Every variable name the word looked up, set or not. A step's cache key covers exactly these.
/// </param>
/// <param name="Unset">The referenced names that had no value.</param>
public sealed record ExpandedWord(string Value, IReadOnlySet<string> Referenced, IReadOnlySet<string> Unset);

/// <summary>A text split into words after expansion.</summary>
/// <param name="Values">The words, in order.</param>
/// <param name="Referenced">Every variable name the text looked up, set or not.</param>
/// <param name="Unset">The referenced names that had no value.</param>
public sealed record ExpandedWords(IReadOnlyList<string> Values, IReadOnlySet<string> Referenced, IReadOnlySet<string> Unset);
