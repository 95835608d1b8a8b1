using System.Text.Json.Serialization;

namespace BuildFarm.Oci.Images;

/// <summary>The platform an image runs on, as in an index entry's <c>platform</c>.</summary>
public sealed record Platform
{
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    [JsonPropertyName("os")]
    public required string OS { get; init; }

    [JsonPropertyName("os.version")]
    public string? OSVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OSFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    [JsonPropertyName("features")]
    public IReadOnlyList<string>? Features { get; init; }

    /// <summary>Parses <c>os/arch[/variant]</c>, the form of <c>--platform</c>.</summary>
    public static Platform Parse(string value)
    {
        var parts = value.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrEmpty))
        {
            throw new FormatException($"'{value}' is not a platform: expected 'os/arch[/variant]'.");
        }

        return new Platform { OS = parts[0], Architecture = parts[1], Variant = parts.Length == 3 ? parts[2] : null };
    }

    public override string ToString() => Variant is null ? $"{OS}/{Architecture}" : $"{OS}/{Architecture}/{Variant}";
}
