using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildFarm.Oci.Images.Internal;

/// <summary>
/// Go's <c>map[string]struct{}</c> (ExposedPorts, Volumes): a set written as <c>{"key":{}}</c>, keys in ordinal order.
/// </summary>
internal sealed class EmptyObjectSetConverter : JsonConverter<IReadOnlySet<string>>
{
    public override IReadOnlySet<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected an object of empty objects, found {reader.TokenType}.");
        }

        var result = new SortedSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            result.Add(reader.GetString()!);
            reader.Read();
            reader.Skip(); // the value carries nothing; tolerate whatever is there
        }

        return result;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlySet<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var key in value.Order(StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            writer.WriteStartObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
