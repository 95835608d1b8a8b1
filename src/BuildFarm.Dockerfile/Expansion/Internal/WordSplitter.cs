using System.Text;

namespace BuildFarm.Dockerfile.Expansion.Internal;

/// <summary>
/// Cuts expanded text into words at unquoted whitespace. Quoted and escaped text, and the
/// whitespace after a heredoc's <c>&lt;&lt;</c>, is added raw and never splits. As in BuildKit,
/// an empty word (<c>""</c> alone) is not a word.
/// </summary>
internal sealed class WordSplitter
{
    private readonly List<string> _words = [];
    private readonly StringBuilder _current = new();

    public void AddSplitting(string text)
    {
        foreach (var character in text)
        {
            AddSplitting(character);
        }
    }

    public void AddSplitting(char character)
    {
        if (char.IsWhiteSpace(character))
        {
            EndWord();
        }
        else
        {
            _current.Append(character);
        }
    }

    public void AddRaw(string text) => _current.Append(text);

    public void AddRaw(char character) => _current.Append(character);

    public List<string> Finish()
    {
        EndWord();
        return _words;
    }

    private void EndWord()
    {
        if (_current.Length > 0)
        {
            _words.Add(_current.ToString());
            _current.Clear();
        }
    }
}
