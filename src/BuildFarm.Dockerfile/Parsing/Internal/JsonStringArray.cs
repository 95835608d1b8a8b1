using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>What <see cref="JsonStringArray.Read"/> found.</summary>
internal enum JsonArrayKind
{
    /// <summary>Not JSON, or not an array: BuildKit falls back to the shell form.</summary>
    NotJsonArray,

    /// <summary>A valid JSON array with something other than strings in it: an error in BuildKit.</summary>
    NotAllStrings,

    /// <summary>A valid JSON array of strings: the exec form.</summary>
    Strings,
}

/// <summary>
/// Reads the exec form <c>["a", "b"]</c> the way BuildKit's <c>json.Unmarshal</c> into
/// <c>[]any</c> does: the whole text must be one valid JSON value (RFC 8259, Go's limit of 10000
/// nested arrays/objects), and only then are its elements required to be strings. Written as a
/// loop with an explicit stack so that deep nesting costs neither recursion nor time.
/// </summary>
internal static class JsonStringArray
{
    /// <summary>encoding/json's maxNestingDepth.</summary>
    private const int MaxDepth = 10000;

    public const string NotAllStringsMessage = "when using JSON array syntax, arrays must be comprised of strings only";

    public static JsonArrayKind Read(string text, out List<string> elements)
    {
        elements = [];
        var reader = new Reader(text.TrimStart());
        if (!reader.StartsWith('['))
        {
            return JsonArrayKind.NotJsonArray;
        }
        var allStrings = true;
        if (!reader.ReadDocument(elements, ref allStrings))
        {
            elements = [];
            return JsonArrayKind.NotJsonArray;
        }
        if (!allStrings)
        {
            elements = [];
            return JsonArrayKind.NotAllStrings;
        }
        return JsonArrayKind.Strings;
    }

    private ref struct Reader(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public readonly bool StartsWith(char c) => _text.Length > 0 && _text[0] == c;

        /// <summary>Validates the whole text; collects the outer array's strings and notes any non-string element.</summary>
        public bool ReadDocument(List<string> elements, ref bool allStrings)
        {
            // true = object, false = array; index 0 is the outer array.
            var containers = new List<bool>();
            var expect = Expect.Value;
            while (true)
            {
                SkipWhiteSpace();
                if (_pos == _text.Length)
                {
                    return false;
                }
                var c = _text[_pos];
                var depth = containers.Count;
                switch (expect)
                {
                    case Expect.ValueOrClose when c == ']':
                    case Expect.KeyOrClose when c == '}':
                    case Expect.CommaOrClose when c == (containers[^1] ? '}' : ']'):
                        _pos++;
                        containers.RemoveAt(containers.Count - 1);
                        expect = Expect.CommaOrClose;
                        break;
                    case Expect.CommaOrClose when c == ',':
                        _pos++;
                        expect = containers[^1] ? Expect.Key : Expect.Value;
                        break;
                    case Expect.CommaOrClose:
                        return false;
                    case Expect.KeyOrClose or Expect.Key:
                        if (c != '"' || !ReadString(decode: null))
                        {
                            return false;
                        }
                        expect = Expect.Colon;
                        break;
                    case Expect.Colon:
                        if (c != ':')
                        {
                            return false;
                        }
                        _pos++;
                        expect = Expect.Value;
                        break;
                    default:
                        var isElement = depth == 1;
                        if (c is '[' or '{')
                        {
                            if (depth == MaxDepth)
                            {
                                return false;
                            }
                            _pos++;
                            containers.Add(c == '{');
                            expect = c == '{' ? Expect.KeyOrClose : Expect.ValueOrClose;
                            allStrings &= !isElement;
                            continue;
                        }
                        if (c == '"')
                        {
                            var decoded = isElement ? new StringBuilder() : null;
                            if (!ReadString(decoded))
                            {
                                return false;
                            }
                            if (decoded is not null)
                            {
                                elements.Add(decoded.ToString());
                            }
                        }
                        else if (!ReadNumber() && !ReadLiteral("true") && !ReadLiteral("false") && !ReadLiteral("null"))
                        {
                            return false;
                        }
                        else
                        {
                            allStrings &= !isElement;
                        }
                        expect = Expect.CommaOrClose;
                        break;
                }
                if (containers.Count == 0)
                {
                    SkipWhiteSpace();
                    return _pos == _text.Length;
                }
            }
        }

        private void SkipWhiteSpace()
        {
            while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r')
            {
                _pos++;
            }
        }

        private bool ReadLiteral(string literal)
        {
            if (!_text.AsSpan(_pos).StartsWith(literal, StringComparison.Ordinal))
            {
                return false;
            }
            _pos += literal.Length;
            return true;
        }

        private bool ReadNumber()
        {
            var start = _pos;
            if (Peek() == '-')
            {
                _pos++;
            }
            if (Peek() == '0')
            {
                _pos++;
            }
            else if (!ReadDigits())
            {
                _pos = start;
                return false;
            }
            if (Peek() == '.')
            {
                _pos++;
                if (!ReadDigits())
                {
                    return false;
                }
            }
            if (Peek() is 'e' or 'E')
            {
                _pos++;
                if (Peek() is '+' or '-')
                {
                    _pos++;
                }
                if (!ReadDigits())
                {
                    return false;
                }
            }
            return true;
        }

        private bool ReadDigits()
        {
            var start = _pos;
            while (char.IsAsciiDigit(Peek()))
            {
                _pos++;
            }
            return _pos > start;
        }

        private readonly char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

        /// <summary>Reads a string starting at its opening quote; decodes it into <paramref name="decode"/> when given.</summary>
        private bool ReadString(StringBuilder? decode)
        {
            _pos++;
            while (_pos < _text.Length)
            {
                var c = _text[_pos++];
                if (c == '"')
                {
                    return true;
                }
                if (c < 0x20)
                {
                    return false;
                }
                if (c != '\\')
                {
                    decode?.Append(c);
                    continue;
                }
                if (_pos == _text.Length)
                {
                    return false;
                }
                var escaped = _text[_pos++];
                switch (escaped)
                {
                    case '"' or '\\' or '/': decode?.Append(escaped); break;
                    case 'b': decode?.Append('\b'); break;
                    case 'f': decode?.Append('\f'); break;
                    case 'n': decode?.Append('\n'); break;
                    case 'r': decode?.Append('\r'); break;
                    case 't': decode?.Append('\t'); break;
                    case 'u':
                        var unit = ReadHex4(_pos);
                        if (unit < 0)
                        {
                            return false;
                        }
                        _pos += 4;
                        AppendUnicodeEscape(decode, unit);
                        break;
                    default:
                        return false;
                }
            }
            return false;
        }

        /// <summary>
        /// Go pairs a high surrogate with an immediately following low-surrogate escape; any other
        /// surrogate becomes U+FFFD, so the decoded strings are always valid Unicode.
        /// </summary>
        private void AppendUnicodeEscape(StringBuilder? decode, int unit)
        {
            if (!char.IsSurrogate((char)unit))
            {
                decode?.Append((char)unit);
                return;
            }
            if (char.IsHighSurrogate((char)unit)
                && _text.AsSpan(_pos).StartsWith(@"\u", StringComparison.Ordinal)
                && ReadHex4(_pos + 2) is var low and >= 0
                && char.IsLowSurrogate((char)low))
            {
                _pos += 6;
                decode?.Append((char)unit).Append((char)low);
                return;
            }
            decode?.Append('\uFFFD');
        }

        private readonly int ReadHex4(int at)
        {
            if (at + 4 > _text.Length)
            {
                return -1;
            }
            var value = 0;
            for (var i = at; i < at + 4; i++)
            {
                var digit = HexValue(_text[i]);
                if (digit < 0)
                {
                    return -1;
                }
                value = (value << 4) | digit;
            }
            return value;
        }

        private static int HexValue(char c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
    }

    private enum Expect
    {
        Value,
        ValueOrClose,
        Key,
        KeyOrClose,
        Colon,
        CommaOrClose,
    }
}
