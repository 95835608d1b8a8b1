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
/// <param name="Content">
/// The body exactly as written, each line with its own line ending. For <c>&lt;&lt;-</c> the leading
/// tabs are still there, as in BuildKit: they must survive where BuildKit keeps the body verbatim
/// (the script a RUN hands to the shell, an ONBUILD trigger in the image config); use
/// <see cref="ChompedContent"/> where BuildKit strips them (a COPY/ADD source, a single-heredoc RUN).
/// </param>
/// <param name="Expand">False when the delimiter was quoted, so variables are not expanded.</param>
/// <param name="Chomp">True for <c>&lt;&lt;-</c>.</param>
public sealed record Heredoc(string Name, string Content, bool Expand, bool Chomp)
{
    /// <summary>
    /// The body as the file or script it becomes: for <c>&lt;&lt;-</c> every line's leading tabs
    /// removed (BuildKit's <c>ChompHeredocContent</c>), otherwise <see cref="Content"/>.
    /// </summary>
    public string ChompedContent => Chomp ? Internal.HeredocChomp.RemoveLeadingTabs(Content) : Content;
}

/// <summary>A span of lines in a Dockerfile, 1-based and inclusive.</summary>
public readonly record struct SourceLocation(string File, int StartLine, int EndLine)
{
    public override string ToString() => $"{File}:{StartLine}";
}
