namespace BuildFarm.Dockerfile.Parsing;

/// <summary>A whole Dockerfile as the parser read it: its directives, instructions and warnings.</summary>
/// <param name="FileName">The name the Dockerfile was parsed under; every location refers to it.</param>
/// <param name="Instructions">The instructions in file order.</param>
/// <param name="Directives">
/// The parser directives in file order: <c>escape</c> as the parser applies it, and <c>syntax</c> /
/// <c>check</c> as BuildKit's frontend reads them from the leading comment block (which skips a
/// <c>#!</c> first line).
/// </param>
/// <param name="EscapeToken">The escape character in force: <c>\</c> unless an escape directive chose <c>`</c>.</param>
/// <param name="Warnings">What BuildKit's parser warns about (empty continuation lines).</param>
public sealed record ParsedDockerfile(
    string FileName,
    IReadOnlyList<ParsedInstruction> Instructions,
    IReadOnlyList<ParserDirective> Directives,
    char EscapeToken,
    IReadOnlyList<ParseWarning> Warnings)
{
    /// <summary>The <c># syntax=</c> directive, if any. Its frontend reference is the value up to the first space.</summary>
    public ParserDirective? Syntax => Find(ParserDirective.SyntaxName);

    /// <summary>The <c># check=</c> directive, if any. Its options are the value up to the first space.</summary>
    public ParserDirective? Check => Find(ParserDirective.CheckName);

    private ParserDirective? Find(string name) =>
        Directives.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
}

/// <summary>A parser directive such as <c># escape=`</c>.</summary>
/// <param name="Name">The directive name in lower case: <c>syntax</c>, <c>escape</c> or <c>check</c>.</param>
/// <param name="Value">The value with surrounding white space removed.</param>
/// <param name="Location">The line of the directive.</param>
public sealed record ParserDirective(string Name, string Value, SourceLocation Location)
{
    public const string SyntaxName = "syntax";
    public const string EscapeName = "escape";
    public const string CheckName = "check";
}

/// <summary>Something the parser accepts but BuildKit warns about.</summary>
/// <param name="Message">BuildKit's short message, e.g. <c>Empty continuation line found in: RUN a b</c>.</param>
/// <param name="Detail">Why it matters.</param>
/// <param name="Url">The documentation page of the rule.</param>
/// <param name="Location">The line BuildKit reports: the last line of the instruction.</param>
public sealed record ParseWarning(string Message, string Detail, string Url, SourceLocation Location);
