using System.Text.Json;
using System.Text.Json.Serialization;

namespace BuildFarm.Oci.Images.Internal;

/// <summary>A Go <c>time.Duration</c>: an integer count of nanoseconds.</summary>
internal sealed class NanosecondsConverter : JsonConverter<TimeSpan>
{
    private const long NanosecondsPerTick = 100;

    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromTicks(reader.GetInt64() / NanosecondsPerTick);

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Ticks * NanosecondsPerTick);
}
