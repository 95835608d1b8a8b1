using System.Text;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>
/// Orders paths by their UTF-8 bytes, the order Go's sort.Strings gives and the one that makes a
/// layer's entry order independent of the platform. UTF-16 ordinal order differs only for
/// characters above U+FFFF, so those are compared by code point.
/// </summary>
internal sealed class Utf8PathComparer : IComparer<string>
{
    public static readonly Utf8PathComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? string.Empty).AsSpan();
        var b = (y ?? string.Empty).AsSpan();
        while (!a.IsEmpty && !b.IsEmpty)
        {
            Rune.DecodeFromUtf16(a, out var ra, out var na);
            Rune.DecodeFromUtf16(b, out var rb, out var nb);
            if (ra.Value != rb.Value)
            {
                return ra.Value.CompareTo(rb.Value);
            }

            a = a[na..];
            b = b[nb..];
        }

        return a.Length.CompareTo(b.Length);
    }
}
