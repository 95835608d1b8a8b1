using System.Text.Json;
using System.Text.Json.Serialization;
using BuildFarm.Oci.Images.Internal;

namespace BuildFarm.Oci.Images;

/// <summary>
/// The image configuration blob (OCI <c>application/vnd.oci.image.config.v1+json</c>, the same
/// document as Docker's <c>application/vnd.docker.container.image.v1+json</c>).
/// </summary>
/// <remarks>
/// Top-level properties are declared in the byte order of their JSON names because BuildKit
/// writes the top level of a config as a sorted map; nested objects keep the field order of the
/// Go structs. Empty values are omitted as Go's <c>omitempty</c> does.
/// </remarks>
public sealed record ImageConfig
{
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("config")]
    public ContainerConfig? Config { get; init; }

    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("history")]
    public IReadOnlyList<HistoryEntry>? History { get; init; }

    [JsonPropertyName("os")]
    public required string OS { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OSFeatures { get; init; }

    [JsonPropertyName("os.version")]
    public string? OSVersion { get; init; }

    [JsonPropertyName("rootfs")]
    [OciJsonKeepEmpty]
    public RootFs RootFs { get; init; } = new();

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    /// <summary>Fields this model does not know (e.g. Docker's <c>container_config</c>), written back as read.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; init; }

    [JsonIgnore]
    public Platform Platform => new() { OS = OS, Architecture = Architecture, Variant = Variant, OSVersion = OSVersion, OSFeatures = OSFeatures };

    public static ImageConfig Parse(ReadOnlySpan<byte> json)
    {
        var config = OciJson.Deserialize<ImageConfig>(json, "image config");
        if (config.RootFs.Type != RootFs.LayersType)
        {
            throw new InvalidDataException($"image config: rootfs.type is '{config.RootFs.Type}', expected '{RootFs.LayersType}'.");
        }

        return config;
    }

    /// <summary>The canonical bytes of this config; the same config always gives the same bytes.</summary>
    public byte[] ToJson() => OciJson.Serialize(this);

    /// <summary>A descriptor of this config's canonical bytes.</summary>
    public Descriptor ToDescriptor(string mediaType = MediaTypes.OciConfig) => Descriptor.FromContent(mediaType, ToJson());
}

/// <summary>The execution parameters a container of the image starts with (the config's <c>config</c>).</summary>
public sealed record ContainerConfig
{
    public string? User { get; init; }

    [JsonConverter(typeof(EmptyObjectSetConverter))]
    public IReadOnlySet<string>? ExposedPorts { get; init; }

    public IReadOnlyList<string>? Env { get; init; }

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    [JsonConverter(typeof(EmptyObjectSetConverter))]
    public IReadOnlySet<string>? Volumes { get; init; }

    public string? WorkingDir { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public string? StopSignal { get; init; }

    public bool ArgsEscaped { get; init; }

    public Healthcheck? Healthcheck { get; init; }

    public IReadOnlyList<string>? OnBuild { get; init; }

    public IReadOnlyList<string>? Shell { get; init; }

    /// <summary>Fields this model does not know, written back as read.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; init; }
}

/// <summary>A HEALTHCHECK; durations are written as Go <c>time.Duration</c> (nanoseconds).</summary>
public sealed record Healthcheck
{
    /// <summary><c>["NONE"]</c>, <c>["CMD", args...]</c> or <c>["CMD-SHELL", command]</c>.</summary>
    public IReadOnlyList<string>? Test { get; init; }

    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan Interval { get; init; }

    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan Timeout { get; init; }

    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan StartPeriod { get; init; }

    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan StartInterval { get; init; }

    public int Retries { get; init; }
}

public sealed record RootFs
{
    public const string LayersType = "layers";

    [JsonPropertyName("type")]
    public string Type { get; init; } = LayersType;

    /// <summary>The digests of the uncompressed layer tars, bottom first.</summary>
    [JsonPropertyName("diff_ids")]
    [OciJsonKeepEmpty]
    public IReadOnlyList<Digest> DiffIds { get; init; } = [];
}

/// <summary>One step of how the image was made; empty layers are steps that changed only metadata.</summary>
public sealed record HistoryEntry
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; init; }

    [JsonPropertyName("created_by")]
    public string? CreatedBy { get; init; }

    [JsonPropertyName("author")]
    public string? Author { get; init; }

    [JsonPropertyName("comment")]
    public string? Comment { get; init; }

    [JsonPropertyName("empty_layer")]
    public bool EmptyLayer { get; init; }
}
