using System.Text;

namespace BuildFarm.Dockerfile.Instructions.Internal;

/// <summary>
/// Splits one CSV record (RFC 4180, as Go's encoding/csv reads it): fields separated by commas,
/// a field may be double-quoted so it can hold commas, <c>""</c> inside quotes is one quote.
/// </summary>
internal static class CsvFields
{
    public static IReadOnlyList<string> Split(string record)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < record.Length && record[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= record.Length)
                    {
                        throw new FormatException("extraneous or missing \" in quoted-field");
                    }

                    if (record[i] == '"')
                    {
                        if (i + 1 < record.Length && record[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(record[i++]);
                }

                if (i < record.Length && record[i] != ',')
                {
                    throw new FormatException("extraneous or missing \" in quoted-field");
                }
            }
            else
            {
                while (i < record.Length && record[i] != ',')
                {
                    if (record[i] == '"')
                    {
                        throw new FormatException("bare \" in non-quoted-field");
                    }

                    field.Append(record[i++]);
                }
            }

            fields.Add(field.ToString());
            if (i >= record.Length)
            {
                return fields;
            }

            i++; // the comma
        }
    }
}
