using BuildFarm.Dockerfile;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// Reads a Dockerfile line by line as BuildKit's scanner does: each line keeps its <c>\n</c>, a
/// line with its newline may take at most 64 KiB (bufio's default token limit), a UTF-8 byte order
/// mark before the first line is dropped. Only one line is ever held in memory.
/// </summary>
internal sealed class LineReader
{
    /// <summary>bufio.MaxScanTokenSize: the most bytes a line, newline included, may take.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    // Invalid UTF-8 decodes to U+FFFD, as Go's JSON decoder and text scanner read it.
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Stream _stream;
    private readonly string _fileName;
    private readonly byte[] _buffer = new byte[MaxLineBytes];
    private int _start;
    private int _end;
    private bool _endOfStream;

    public LineReader(Stream stream, string fileName)
    {
        _stream = stream;
        _fileName = fileName;
    }

    /// <summary>How many lines have been read so far, which is the number of the last one.</summary>
    public int LinesRead { get; private set; }

    /// <exception cref="DockerfileException">A line is longer than <see cref="MaxLineBytes"/>.</exception>
    public bool TryReadLine([NotNullWhen(true)] out string? line)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = Take(newline + 1);
                return true;
            }
            if (_endOfStream)
            {
                line = pending.Length > 0 ? Take(pending.Length) : null;
                return line is not null;
            }
            if (pending.Length == MaxLineBytes)
            {
                var lineNumber = LinesRead + 1;
                throw new DockerfileException(
                    new SourceLocation(_fileName, lineNumber, lineNumber),
                    $"dockerfile line greater than max allowed size of {MaxLineBytes - 1}");
            }
            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
        }
        _end += read;
    }

    private string Take(int length)
    {
        var bytes = _buffer.AsSpan(_start, length);
        _start += length;
        if (LinesRead++ == 0 && bytes.StartsWith(ByteOrderMark))
        {
            bytes = bytes[ByteOrderMark.Length..];
        }
        return Utf8.GetString(bytes);
    }
}
