using System.Collections;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace BuildFarm.Oci.Images.Internal;

/// <summary>
/// The one JSON configuration of the image model. Output is deterministic: declared property order,
/// map keys sorted by ordinal, no indentation, empty values omitted (Go's <c>omitempty</c>), so the
/// same object always gives the same bytes and digest.
/// </summary>
internal static class OciJson
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new InvalidDataException($"{what}: the document is JSON null.");
        }
        catch (JsonException e)
        {
            // Messages of our converters carry no location; the serializer's own ones already do.
            var where = e.Path is null || e.Message.Contains("Path: ", StringComparison.Ordinal) ? "" : $" Path: {e.Path}.";
            throw new InvalidDataException($"{what} is not valid: {e.Message}{where}", e);
        }
    }

    /// <summary>The checks every manifest-like document (manifest, index) starts with.</summary>
    public static void RequireHeader(int schemaVersion, string? mediaType, Func<string, bool> isExpectedType, string what)
    {
        if (schemaVersion != 2)
        {
            throw new InvalidDataException($"{what}: schemaVersion is {schemaVersion}, only 2 is supported.");
        }

        if (mediaType is not null && !isExpectedType(mediaType))
        {
            throw new InvalidDataException($"{what}: mediaType is '{mediaType}', not an {what} type.");
        }
    }

    public static void RequireDescriptors(IReadOnlyList<Descriptor> descriptors, string what, string field)
    {
        for (var i = 0; i < descriptors.Count; i++)
        {
            RequireDescriptor(descriptors[i], what, $"{field}[{i}]");
        }
    }

    public static void RequireDescriptor(Descriptor? descriptor, string what, string path)
    {
        if (descriptor is null)
        {
            throw new InvalidDataException($"{what}: {path} is null.");
        }

        if (string.IsNullOrEmpty(descriptor.MediaType))
        {
            throw new InvalidDataException($"{what}: {path}.mediaType is empty.");
        }

        if (descriptor.Digest.IsEmpty)
        {
            throw new InvalidDataException($"{what}: {path}.digest is empty.");
        }

        if (descriptor.Size < 0)
        {
            throw new InvalidDataException($"{what}: {path}.size is negative ({descriptor.Size}).");
        }
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitEmptyValues } },
            Converters = { new SortedDictionaryConverterFactory(), new RfcTimeConverter() },
        };
        options.MakeReadOnly();
        return options;
    }

    private static void OmitEmptyValues(JsonTypeInfo typeInfo)
    {
        foreach (var property in typeInfo.Properties)
        {
            if (property.IsExtensionData || property.AttributeProvider?.IsDefined(typeof(OciJsonKeepEmptyAttribute), inherit: false) == true)
            {
                continue;
            }

            property.ShouldSerialize = static (_, value) => !IsEmpty(value);
        }
    }

    private static bool IsEmpty(object? value) => value switch
    {
        null => true,
        string s => s.Length == 0,
        bool b => !b,
        int i => i == 0,
        long l => l == 0,
        TimeSpan t => t == TimeSpan.Zero,
        ICollection c => c.Count == 0,
        IEnumerable e => !e.GetEnumerator().MoveNext(),
        _ => false,
    };
}

/// <summary>Marks a property that is written even when empty (the spec requires it, e.g. <c>size: 0</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OciJsonKeepEmptyAttribute : Attribute;
