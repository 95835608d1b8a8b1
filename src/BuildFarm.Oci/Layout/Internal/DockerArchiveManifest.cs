using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildFarm.Oci.Layout.Internal;

/// <summary>One element of a docker archive's manifest.json.</summary>
internal sealed record DockerArchiveManifest
{
    public required string Config { get; init; }

    public IReadOnlyList<string>? RepoTags { get; init; }

    public required IReadOnlyList<string> Layers { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize(IReadOnlyList<DockerArchiveManifest> manifests) => JsonSerializer.SerializeToUtf8Bytes(manifests, Options);

    public static IReadOnlyList<DockerArchiveManifest> Parse(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<DockerArchiveManifest>>(json, Options)
                ?? throw new InvalidDataException("Docker archive: manifest.json is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Docker archive: manifest.json is not valid: {e.Message}", e);
        }
    }
}
