using System.Text.Json;
using System.Text.Json.Serialization;
using BuildFarm.Oci.Images.Internal;

namespace BuildFarm.Oci.Images;

/// <summary>
/// An image index (a list of manifests, usually one per platform). Also reads Docker manifest
/// lists, and is the shape of an OCI layout's <c>index.json</c>.
/// </summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")]
    [OciJsonKeepEmpty]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>
    /// Set by default, as the spec advises. A parsed document that lacks it reads as the OCI type
    /// too, so re-serializing such a document changes its bytes: keep the bytes you parsed when
    /// their digest matters.
    /// </summary>
    [JsonPropertyName("mediaType")]
    public string? MediaType { get; init; } = MediaTypes.OciIndex;

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("manifests")]
    [OciJsonKeepEmpty]
    public required IReadOnlyList<Descriptor> Manifests { get; init; }

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Fields this model does not know, kept so that a parsed index writes them back.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; init; }

    /// <summary>The first manifest for <paramref name="wanted"/> (OS and architecture equal; the variant too when one is wanted), or null.</summary>
    public Descriptor? FindManifest(Platform wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        return Manifests.FirstOrDefault(m =>
            m.Platform is { } p
            && p.OS == wanted.OS
            && p.Architecture == wanted.Architecture
            && (wanted.Variant is null || p.Variant == wanted.Variant));
    }

    public static ImageIndex Parse(ReadOnlySpan<byte> json)
    {
        var index = OciJson.Deserialize<ImageIndex>(json, "image index");
        OciJson.RequireHeader(index.SchemaVersion, index.MediaType, MediaTypes.IsIndex, "image index");
        OciJson.RequireDescriptors(index.Manifests, "image index", "manifests");

        return index;
    }

    /// <summary>The canonical bytes of this index; the same index always gives the same bytes.</summary>
    public byte[] ToJson() => OciJson.Serialize(this);

    /// <summary>A descriptor of this index's canonical bytes.</summary>
    public Descriptor ToDescriptor() => Descriptor.FromContent(MediaType ?? MediaTypes.OciIndex, ToJson());
}
