using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildFarm.Oci.Images.Internal;

internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Digest.TryParse(text, out var digest) ? digest : throw new JsonException($"'{text}' is not a valid digest.");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
