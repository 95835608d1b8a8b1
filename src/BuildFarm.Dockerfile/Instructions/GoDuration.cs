using System.Globalization;
using System.Text;

namespace BuildFarm.Dockerfile.Instructions;

/// <summary>
/// A duration in nanoseconds, written and read the way Go's <c>time.Duration</c> does
/// (<c>30s</c>, <c>1m30s</c>, <c>1.5ms</c>): HEALTHCHECK flags use that syntax and the image
/// config stores nanoseconds, which <see cref="TimeSpan"/> cannot hold exactly.
/// </summary>
public readonly record struct GoDuration(long Nanoseconds)
{
    public static readonly GoDuration Zero;

    private static readonly (string Unit, long Nanoseconds)[] Units =
    [
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("μs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
    ];

    /// <summary>Parses Go duration syntax; the error text is Go's (<c>time: invalid duration "x"</c>).</summary>
    public static bool TryParse(string text, out GoDuration duration, out string error)
    {
        duration = Zero;
        error = string.Empty;
        var invalid = $"time: invalid duration \"{text}\"";
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            error = invalid;
            return false;
        }

        decimal total = 0;
        while (!s.IsEmpty)
        {
            if (!(s[0] == '.' || char.IsAsciiDigit(s[0])))
            {
                error = invalid;
                return false;
            }

            var numberLength = 0;
            while (numberLength < s.Length && (char.IsAsciiDigit(s[numberLength]) || s[numberLength] == '.'))
            {
                numberLength++;
            }

            var number = s[..numberLength];
            if (number.IndexOf('.') != number.LastIndexOf('.') || number is ".")
            {
                error = invalid;
                return false;
            }

            s = s[numberLength..];
            var unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }

            if (unitLength == 0)
            {
                error = $"time: missing unit in duration \"{text}\"";
                return false;
            }

            var unit = s[..unitLength].ToString();
            s = s[unitLength..];
            var scale = Array.Find(Units, u => u.Unit == unit).Nanoseconds;
            if (scale == 0)
            {
                error = $"time: unknown unit \"{unit}\" in duration \"{text}\"";
                return false;
            }

            if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                error = invalid;
                return false;
            }

            total += decimal.Truncate(value * scale);
            if (total > long.MaxValue)
            {
                error = invalid;
                return false;
            }
        }

        duration = new GoDuration((long)(negative ? -total : total));
        return true;
    }

    /// <summary>Formats as Go does: <c>0s</c>, <c>1h0m0s</c>, <c>1m30s</c>, <c>1.5s</c>, <c>100ms</c>, <c>2µs</c>.</summary>
    public override string ToString()
    {
        if (Nanoseconds == 0)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        if (Nanoseconds < 0)
        {
            builder.Append('-');
        }

        var u = (ulong)Math.Abs((decimal)Nanoseconds);
        if (u < 1_000_000_000)
        {
            if (u < 1_000)
            {
                return builder.Append(u).Append("ns").ToString();
            }

            return u < 1_000_000
                ? builder.Append(Fraction(u, 3)).Append("µs").ToString()
                : builder.Append(Fraction(u, 6)).Append("ms").ToString();
        }

        var seconds = u / 1_000_000_000;
        var minutes = seconds / 60;
        var secondsPart = (seconds % 60).ToString(CultureInfo.InvariantCulture) + FractionDigits(u % 1_000_000_000, 9);
        if (minutes == 0)
        {
            return builder.Append(secondsPart).Append('s').ToString();
        }

        var hours = minutes / 60;
        if (hours > 0)
        {
            builder.Append(hours).Append('h');
        }

        return builder.Append(minutes % 60).Append('m').Append(secondsPart).Append('s').ToString();
    }

    /// <summary><paramref name="value"/> / 10^digits with the fraction's trailing zeros dropped.</summary>
    private static string Fraction(ulong value, int digits)
    {
        var scale = (ulong)Math.Pow(10, digits);
        return (value / scale).ToString(CultureInfo.InvariantCulture) + FractionDigits(value % scale, digits);
    }

    /// <summary>".5" for 500000000 of 9 digits; empty when the fraction is zero.</summary>
    private static string FractionDigits(ulong fraction, int digits)
    {
        var text = fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        return text.Length == 0 ? string.Empty : "." + text;
    }
}
