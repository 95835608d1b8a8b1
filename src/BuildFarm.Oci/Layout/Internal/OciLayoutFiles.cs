using System.Text.Json;
using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Layout.Internal;

/// <summary>The two files of an OCI image layout besides its blobs.</summary>
internal static class OciLayoutFiles
{
    public const string LayoutFile = "oci-layout";
    public const string IndexFile = "index.json";
    public const string BlobsDirectory = "blobs";
    public const string SupportedVersion = "1.0.0";

    public static byte[] LayoutJson => """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray();

    public static void VerifyLayout(ReadOnlySpan<byte> json)
    {
        string? version;
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            version = document.RootElement.TryGetProperty("imageLayoutVersion", out var value) ? value.GetString() : null;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"OCI layout: oci-layout is not valid JSON: {e.Message}", e);
        }

        if (version != SupportedVersion)
        {
            throw new InvalidDataException($"OCI layout: imageLayoutVersion is '{version}', only '{SupportedVersion}' is supported.");
        }
    }

    /// <summary>index.json: one entry per name, annotated with it; an image without names gets one plain entry.</summary>
    public static byte[] IndexJson(IEnumerable<TaggedImage> images)
    {
        var manifests = new List<Descriptor>();
        foreach (var image in images)
        {
            if (image.Tags.Count == 0)
            {
                manifests.Add(image.Descriptor);
            }

            manifests.AddRange(image.Tags.Select(tag => image.Descriptor.WithAnnotation(AnnotationKeys.RefName, tag)));
        }

        return new ImageIndex { Manifests = manifests }.ToJson();
    }

    /// <summary>The images of index.json, entries for the same blob merged, names in the order listed.</summary>
    public static List<TaggedImage> ImagesOf(ImageIndex index) =>
        index.Manifests
            .GroupBy(m => m.Digest)
            .Select(group =>
            {
                var tags = group.Select(m => m.GetAnnotation(AnnotationKeys.RefName)).OfType<string>().ToList();
                var descriptor = group.First();
                var annotations = descriptor.Annotations?.Where(a => a.Key != AnnotationKeys.RefName).ToDictionary(StringComparer.Ordinal);
                return new TaggedImage(descriptor with { Annotations = annotations is { Count: > 0 } ? annotations : null }, tags);
            })
            .ToList();
}
