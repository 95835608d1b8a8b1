using System.Text.Json;
using System.Text.Json.Serialization;
using BuildFarm.Oci.Images.Internal;

namespace BuildFarm.Oci.Images;

/// <summary>
/// An image manifest: one config and an ordered list of layers. Reads the OCI manifest and the
/// Docker schema 2 manifest (same shape, different media types).
/// </summary>
public sealed record ImageManifest
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
    public string? MediaType { get; init; } = MediaTypes.OciManifest;

    [JsonPropertyName("artifactType")]
    public string? ArtifactType { get; init; }

    [JsonPropertyName("config")]
    public required Descriptor Config { get; init; }

    [JsonPropertyName("layers")]
    [OciJsonKeepEmpty]
    public required IReadOnlyList<Descriptor> Layers { get; init; }

    [JsonPropertyName("subject")]
    public Descriptor? Subject { get; init; }

    [JsonPropertyName("annotations")]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Fields this model does not know, kept so that a parsed manifest writes them back.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; init; }

    public static ImageManifest Parse(ReadOnlySpan<byte> json)
    {
        var manifest = OciJson.Deserialize<ImageManifest>(json, "image manifest");
        OciJson.RequireHeader(manifest.SchemaVersion, manifest.MediaType, MediaTypes.IsManifest, "image manifest");
        OciJson.RequireDescriptor(manifest.Config, "image manifest", "config");
        OciJson.RequireDescriptors(manifest.Layers, "image manifest", "layers");

        return manifest;
    }

    /// <summary>The canonical bytes of this manifest; the same manifest always gives the same bytes.</summary>
    public byte[] ToJson() => OciJson.Serialize(this);

    /// <summary>A descriptor of this manifest's canonical bytes.</summary>
    public Descriptor ToDescriptor() => Descriptor.FromContent(MediaType ?? MediaTypes.OciManifest, ToJson());
}
