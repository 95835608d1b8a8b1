using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildFarm.Oci.Images.Internal;

/// <summary>Writes string-keyed maps in ordinal key order, whatever order the dictionary enumerates in.</summary>
internal sealed class SortedDictionaryConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType
        && typeToConvert.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)
        && typeToConvert.GetGenericArguments()[0] == typeof(string);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[1]))!;

    private sealed class Converter<TValue> : JsonConverter<IReadOnlyDictionary<string, TValue>>
    {
        public override IReadOnlyDictionary<string, TValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"Expected an object, found {reader.TokenType}.");
            }

            var valueConverter = (JsonConverter<TValue>)options.GetConverter(typeof(TValue));
            var result = new Dictionary<string, TValue>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = reader.GetString()!;
                reader.Read();
                result[key] = valueConverter.Read(ref reader, typeof(TValue), options)!;
            }

            return result;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, TValue> value, JsonSerializerOptions options)
        {
            var valueConverter = (JsonConverter<TValue>)options.GetConverter(typeof(TValue));
            writer.WriteStartObject();
            foreach (var key in value.Keys.Order(StringComparer.Ordinal))
            {
                writer.WritePropertyName(key);
                valueConverter.Write(writer, value[key], options);
            }

            writer.WriteEndObject();
        }
    }
}
