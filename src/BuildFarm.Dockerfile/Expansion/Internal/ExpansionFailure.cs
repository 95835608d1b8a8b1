namespace BuildFarm.Dockerfile.Expansion.Internal;

/// <summary>
/// Why expansion stopped, in BuildKit's words; <see cref="WordLexer"/> turns it into a
/// <see cref="WordExpansionException"/> naming the whole word.
/// </summary>
internal sealed class ExpansionFailure(string reason) : Exception(reason);
