using System.Text.Json.Serialization;
using BuildFarm.Oci.Images.Internal;

namespace BuildFarm.Oci.Images;

/// <summary>An OCI content descriptor: what a blob is, where it is (by digest) and how big.</summary>
public sealed record Descriptor
{
    [JsonPropertyName("mediaType")]
    public required string MediaType { get; init; }

    [JsonPropertyName("digest")]
    public required Digest Digest { get; init; }

    [JsonPropertyName("size")]
    [OciJsonKeepEmpty]
    public required long Size { get; init; }

    [JsonPropertyName("urls")]
    public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    [JsonPropertyName("data")]
    public string? Data { get; init; }

    [JsonPropertyName("platform")]
    public Platform? Platform { get; init; }

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    /// <summary>Describes content held in memory (a manifest or config just serialized).</summary>
    public static Descriptor FromContent(string mediaType, ReadOnlySpan<byte> content) =>
        new() { MediaType = mediaType, Digest = Digest.Sha256(content), Size = content.Length };

    /// <summary>The value of an annotation, or null.</summary>
    public string? GetAnnotation(string key) =>
        Annotations is not null && Annotations.TryGetValue(key, out var value) ? value : null;

    public Descriptor WithAnnotation(string key, string value)
    {
        var annotations = Annotations is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(Annotations, StringComparer.Ordinal);
        annotations[key] = value;
        return this with { Annotations = annotations };
    }
}
