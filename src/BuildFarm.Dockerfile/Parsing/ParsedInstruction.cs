namespace BuildFarm.Dockerfile.Parsing;

/// <summary>
/// One instruction as the parser read it, before any meaning is given to it: the shape
/// BuildKit's parser produces (and its conformance <c>result</c> files print).
/// </summary>
/// <param name="Keyword">The instruction name in lower case (<c>run</c>, <c>copy</c>, ...).</param>
/// <param name="Flags">Flags as written, e.g. <c>--from=build</c>, in order.</param>
/// <param name="Arguments">
/// The arguments after the flags. For the JSON (exec) form, the decoded array elements; for
/// ENV and LABEL, triples of key, value and separator; otherwise the instruction-specific split
/// BuildKit's parser does (a single string for shell form).
/// </param>
/// <param name="IsJsonForm">True when the arguments came from a JSON array.</param>
/// <param name="Heredocs">Heredocs attached to this instruction, in order.</param>
/// <param name="Inner">For ONBUILD, the instruction it wraps.</param>
/// <param name="Original">The instruction's source text with continuations joined.</param>
/// <param name="Location">Where the instruction stands in its file.</param>
public sealed record ParsedInstruction(
    string Keyword,
    IReadOnlyList<string> Flags,
    IReadOnlyList<string> Arguments,
    bool IsJsonForm,
    IReadOnlyList<Heredoc> Heredocs,
    ParsedInstruction? Inner,
    string Original,
    SourceLocation Location);

/// <summary>A heredoc body attached to an instruction.</summary>
/// <param name="Name">The delimiter word, without quotes.</param>
/// <param name="Content">The body, each line ending in a newline; leading tabs removed for <c>&lt;&lt;-</c>.</param>
/// <param name="Expand">False when the delimiter was quoted, so variables are not expanded.</param>
/// <param name="Chomp">True for <c>&lt;&lt;-</c>.</param>
public sealed record Heredoc(string Name, string Content, bool Expand, bool Chomp);

/// <summary>A span of lines in a Dockerfile, 1-based and inclusive.</summary>
public readonly record struct SourceLocation(string File, int StartLine, int EndLine)
{
    public override string ToString() => $"{File}:{StartLine}";
}
