using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildFarm.Oci.Images.Internal;

/// <summary>
/// RFC 3339 times as Go writes them (<c>time.RFC3339Nano</c>): UTC with a trailing <c>Z</c> and no
/// trailing zeros in the fraction. Go may write 9 fractional digits; .NET keeps 7, the rest is dropped.
/// </summary>
internal sealed class RfcTimeConverter : JsonConverter<DateTimeOffset>
{
    private const int MaxFractionDigits = 7;

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("A time is null.");
        var parseable = TrimFraction(text);
        return DateTimeOffset.TryParse(parseable, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value)
            ? value
            : throw new JsonException($"'{text}' is not an RFC 3339 time.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));

    private static string TrimFraction(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return text;
        }

        var end = dot + 1;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        var digits = end - dot - 1;
        return digits <= MaxFractionDigits ? text : string.Concat(text.AsSpan(0, dot + 1 + MaxFractionDigits), text.AsSpan(end));
    }
}
