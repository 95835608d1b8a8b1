using System.Globalization;
using System.Text.RegularExpressions;

namespace BuildFarm.Dockerfile.Instructions;

/// <summary>Docker's RAM size syntax (<c>64m</c>, <c>1.5g</c>, <c>512MiB</c>, plain bytes): binary multiples, as tmpfs <c>size=</c> and <c>--memory</c> take them.</summary>
public static partial class RamSize
{
    /// <summary>The bytes <paramref name="value"/> stands for, or null when it is not a size.</summary>
    public static long? Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var match = SizePattern().Match(value);
        if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var exponent = match.Groups[2].Value.ToLowerInvariant() switch
        {
            "k" => 1,
            "m" => 2,
            "g" => 3,
            "t" => 4,
            "p" => 5,
            _ => 0,
        };
        var bytes = number * (decimal)Math.Pow(1024, exponent);
        return bytes > long.MaxValue ? null : (long)bytes;
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")]
    private static partial Regex SizePattern();
}
