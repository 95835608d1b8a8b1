using System.Globalization;

namespace BuildFarm.Cli.Formatting;

/// <summary>Sizes and ages the way docker's CLI prints them (the rules of its go-units package).</summary>
internal static class HumanUnits
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary>Decimal units, three significant digits: <c>527B</c>, <c>4.26MB</c>, <c>1.2GB</c>.</summary>
    public static string Size(long bytes)
    {
        double size = bytes;
        var unit = 0;
        while (size >= 1000 && unit < DecimalUnits.Length - 1)
        {
            size /= 1000;
            unit++;
        }

        // Go's %.3g: like .NET's G3 except for the case of the exponent (999.9 -> "1e+03").
        return size.ToString("G3", CultureInfo.InvariantCulture).ToLowerInvariant() + DecimalUnits[unit];
    }

    /// <summary>docker's CREATED column: <c>3 weeks ago</c>, or <c>N/A</c> when the image does not say.</summary>
    public static string Age(DateTimeOffset now, Google.Protobuf.WellKnownTypes.Timestamp? created) =>
        created is null ? "N/A" : Duration(now - created.ToDateTimeOffset()) + " ago";

    /// <summary>How long ago, coarsely: <c>Less than a second</c>, <c>About an hour</c>, <c>3 weeks</c>, <c>56 years</c>.</summary>
    public static string Duration(TimeSpan elapsed)
    {
        var seconds = (long)elapsed.TotalSeconds;
        var minutes = (long)elapsed.TotalMinutes;
        var hours = (long)(elapsed.TotalHours + 0.5);
        return seconds switch
        {
            < 1 => "Less than a second",
            1 => "1 second",
            < 60 => $"{seconds} seconds",
            _ when minutes == 1 => "About a minute",
            _ when minutes < 60 => $"{minutes} minutes",
            _ when hours == 1 => "About an hour",
            _ when hours < 48 => $"{hours} hours",
            _ when hours < 24 * 7 * 2 => $"{hours / 24} days",
            _ when hours < 24 * 30 * 2 => $"{hours / 24 / 7} weeks",
            _ when hours < 24 * 365 * 2 => $"{hours / 24 / 30} months",
            _ => $"{(long)elapsed.TotalHours / 24 / 365} years",
        };
    }
}
