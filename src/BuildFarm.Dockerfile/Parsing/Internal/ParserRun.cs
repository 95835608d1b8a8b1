using BuildFarm.Dockerfile;
using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>One pass over a Dockerfile: BuildKit's <c>parser.Parse</c> loop.</summary>
internal sealed class ParserRun(LineReader lines, string fileName)
{
    private const string EmptyContinuationDetail = "Empty continuation lines will become errors in a future release";
    private const string EmptyContinuationUrl = "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/";

    // The parser's own directive reading decides the escape character and rejects duplicates.
    private readonly DirectiveScanner _parserDirectives = new(rejectDuplicates: true);

    // BuildKit's frontend reads syntax and check separately, skipping a #! first line; see ReadFrontendDirective.
    private readonly DirectiveScanner _frontendDirectives = new(rejectDuplicates: false);

    private readonly List<ParserDirective> _directives = [];
    private readonly List<ParsedInstruction> _instructions = [];
    private readonly List<ParseWarning> _warnings = [];
    private char _escapeToken = '\\';

    public ParsedDockerfile Run()
    {
        while (lines.TryReadLine(out var raw))
        {
            var startLine = lines.LinesRead;
            ReadFrontendDirective(raw, startLine);
            var text = TrimLineEnding(raw).TrimStart();
            ApplyParserDirective(text, startLine);
            if (IsComment(text))
            {
                continue;
            }
            var ends = !LineContinuation.TryRemove(text, _escapeToken, out text);
            if (ends && text.Length == 0)
            {
                continue;
            }
            var (line, hasEmptyContinuationLine) = JoinContinuation(text, ends);
            var endLine = lines.LinesRead;
            if (hasEmptyContinuationLine)
            {
                _warnings.Add(new ParseWarning(
                    "Empty continuation line found in: " + line, EmptyContinuationDetail, EmptyContinuationUrl,
                    Location(endLine, endLine)));
            }
            _instructions.Add(ReadInstruction(line, startLine, endLine));
        }
        if (_instructions.Count == 0)
        {
            var last = Math.Max(1, lines.LinesRead);
            throw new DockerfileException(Location(last, last), "file with no instructions");
        }
        return new ParsedDockerfile(fileName, _instructions, _directives, _escapeToken, _warnings);
    }

    /// <summary>
    /// Appends the continuation lines: comment lines are skipped, blank ones too (and warned
    /// about), indentation is kept, and the end of the file ends the instruction.
    /// </summary>
    private (string Line, bool HasEmptyContinuationLine) JoinContinuation(string first, bool ends)
    {
        if (ends)
        {
            return (first, false);
        }
        var joined = new StringBuilder(first);
        var hasEmptyContinuationLine = false;
        while (!ends && lines.TryReadLine(out var raw))
        {
            if (IsComment(raw.AsSpan().TrimStart()))
            {
                continue;
            }
            var text = TrimLineEnding(raw);
            if (text.AsSpan().TrimStart().IsEmpty)
            {
                hasEmptyContinuationLine = true;
                continue;
            }
            ends = !LineContinuation.TryRemove(text, _escapeToken, out text);
            joined.Append(text);
        }
        return (joined.ToString(), hasEmptyContinuationLine);
    }

    private ParsedInstruction ReadInstruction(string line, int startLine, int endLine)
    {
        ParsedInstruction instruction;
        List<Heredoc> opened;
        try
        {
            instruction = InstructionReader.Read(line, _escapeToken, Location(startLine, endLine));
            opened = CanContainHeredoc(instruction) && line.Contains("<<", StringComparison.Ordinal)
                ? HeredocWords.FromLine(line)
                : [];
        }
        catch (InstructionSyntaxException e)
        {
            throw new DockerfileException(Location(startLine, endLine), e.Message);
        }
        if (opened.Count == 0)
        {
            return instruction;
        }
        var heredocs = opened.ConvertAll(heredoc => ReadHeredocBody(heredoc, startLine));
        return instruction with { Heredocs = heredocs, Location = Location(startLine, lines.LinesRead) };
    }

    /// <summary>RUN, COPY and ADD in shell form take heredocs, also as an ONBUILD trigger.</summary>
    private static bool CanContainHeredoc(ParsedInstruction instruction)
    {
        var target = instruction is { Keyword: "onbuild", Inner: { } trigger } ? trigger : instruction;
        return target.Keyword is "run" or "copy" or "add" && !target.IsJsonForm;
    }

    /// <summary>Reads body lines verbatim up to the delimiter line (which may be tab-indented for <c>&lt;&lt;-</c>).</summary>
    private Heredoc ReadHeredocBody(Heredoc heredoc, int startLine)
    {
        var content = new StringBuilder();
        while (lines.TryReadLine(out var raw))
        {
            var candidate = TrimLineEnding(raw).AsSpan();
            if (heredoc.Chomp)
            {
                candidate = candidate.TrimStart('\t');
            }
            if (candidate.SequenceEqual(heredoc.Name))
            {
                return heredoc with { Content = content.ToString() };
            }
            content.Append(raw);
        }
        throw new DockerfileException(Location(startLine, lines.LinesRead), "unterminated heredoc");
    }

    private void ApplyParserDirective(string text, int line)
    {
        (string Name, string Value)? directive;
        try
        {
            directive = _parserDirectives.ReadLine(text);
        }
        catch (InstructionSyntaxException e)
        {
            throw new DockerfileException(Location(line, line), e.Message);
        }
        if (directive is not (ParserDirective.EscapeName, var value))
        {
            return;
        }
        if (value is not ("`" or "\\"))
        {
            throw new DockerfileException(Location(line, line), $"invalid escape token '{value}' does not match ` or \\");
        }
        _escapeToken = value[0];
        _directives.Add(new ParserDirective(ParserDirective.EscapeName, value, Location(line, line)));
    }

    /// <summary>
    /// BuildKit's frontend takes <c>syntax</c> and <c>check</c> from its own pass over the leading
    /// comment lines: after a <c>#!</c> first line, without skipping indentation, keeping the
    /// first of duplicates. Only lines before the first instruction can be directives, so the
    /// outer loop sees all of them.
    /// </summary>
    private void ReadFrontendDirective(string raw, int line)
    {
        if (_frontendDirectives.Done || (line == 1 && raw.StartsWith("#!", StringComparison.Ordinal)))
        {
            return;
        }
        var text = raw.EndsWith('\n') ? raw[..^1] : raw;
        text = text.EndsWith('\r') ? text[..^1] : text;
        if (_frontendDirectives.ReadLine(text) is ({ } name and not ParserDirective.EscapeName, var value))
        {
            _directives.Add(new ParserDirective(name, value, Location(line, line)));
        }
    }

    private SourceLocation Location(int startLine, int endLine) => new(fileName, startLine, Math.Max(startLine, endLine));

    private static string TrimLineEnding(string raw) => raw.TrimEnd('\r', '\n');

    private static bool IsComment(ReadOnlySpan<char> trimmed) => trimmed.StartsWith('#');
}
