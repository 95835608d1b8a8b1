using System.Text.Json;
using System.Text.Json.Serialization;
using BuildFarm.Oci.Images;

namespace BuildFarm.Storage.Images;

/// <summary>
/// A descriptor as image names persist it: the model's own JSON form (not OCI-canonical, just its
/// attributes), so that every field of the model (annotations, platform, ...) survives without a second schema.
/// </summary>
public static class DescriptorJson
{
    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static byte[] Serialize(Descriptor descriptor) => JsonSerializer.SerializeToUtf8Bytes(descriptor, Options);

    /// <exception cref="JsonException">The bytes are not a descriptor.</exception>
    public static Descriptor Deserialize(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<Descriptor>(json, Options) ?? throw new JsonException("the descriptor is null.");
}
