namespace BuildFarm.Cli.Formatting;

/// <summary>
/// Columns aligned as docker's tables are (Go's tabwriter with minimum width 10 and padding 3):
/// each column is as wide as its widest cell plus three spaces, at least ten; the last column is
/// not padded.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private const int MinimumWidth = 10;
    private const int Padding = 3;

    private readonly List<string[]> _rows = [headers];

    public void Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"A row has {cells.Length} cells; the table has {headers.Length} columns.", nameof(cells));
        }

        _rows.Add(cells);
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[headers.Length - 1];
        for (var column = 0; column < widths.Length; column++)
        {
            widths[column] = Math.Max(MinimumWidth, _rows.Max(row => row[column].Length + Padding));
        }

        foreach (var row in _rows)
        {
            for (var column = 0; column < widths.Length; column++)
            {
                writer.Write(row[column].PadRight(widths[column]));
            }

            writer.WriteLine(row[^1]);
        }
    }
}
