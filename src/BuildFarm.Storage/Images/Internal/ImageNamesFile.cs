using System.Text.Json;
using MessagePack;
using MessagePack.Resolvers;

namespace BuildFarm.Storage.Images.Internal;

/// <summary>
/// Reads and writes <c>&lt;data-dir&gt;/images.msgpack</c>. The file is small and changes only when
/// a name does, so it is rewritten whole and atomically on every change.
/// </summary>
internal static class ImageNamesFile
{
    private const int CurrentVersion = 1;

    private static readonly MessagePackSerializerOptions MessagePackOptions =
        MessagePackSerializerOptions.Standard
            .WithResolver(StandardResolverAllowPrivate.Instance)
            .WithSecurity(MessagePackSecurity.UntrustedData);

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, "images.msgpack");

    public static List<ImageRecord> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var file = MessagePackSerializer.Deserialize<StoredFile>(stream, MessagePackOptions);
            if (file.Version != CurrentVersion)
            {
                throw new InvalidDataException($"version {file.Version} is not supported (expected {CurrentVersion}).");
            }

            return [.. file.Images.Select(static image => new ImageRecord(
                image.Name,
                DescriptorJson.Deserialize(image.Target),
                new DateTimeOffset(image.CreatedAtUtcTicks, TimeSpan.Zero),
                new DateTimeOffset(image.UpdatedAtUtcTicks, TimeSpan.Zero)))];
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or JsonException or InvalidDataException)
        {
            // Never start with the names silently gone: their images would become evictable.
            throw new InvalidDataException($"The image names file {path} cannot be read: {ex.GetBaseException().Message}", ex);
        }
    }

    public static void Write(string path, IEnumerable<ImageRecord> images)
    {
        var file = new StoredFile
        {
            Version = CurrentVersion,
            Images = [.. images.Select(static image => new StoredImage
            {
                Name = image.Name,
                Target = DescriptorJson.Serialize(image.Target),
                CreatedAtUtcTicks = image.CreatedAt.UtcTicks,
                UpdatedAtUtcTicks = image.UpdatedAt.UtcTicks,
            })],
        };
        AtomicFile.Write(path, stream => MessagePackSerializer.Serialize(stream, file, MessagePackOptions));
    }

    [MessagePackObject]
    internal sealed class StoredFile
    {
        [Key(0)]
        public int Version { get; set; }

        [Key(1)]
        public List<StoredImage> Images { get; set; } = [];
    }

    [MessagePackObject]
    internal sealed class StoredImage
    {
        [Key(0)]
        public string Name { get; set; } = string.Empty;

        [Key(1)]
        public byte[] Target { get; set; } = [];

        [Key(2)]
        public long CreatedAtUtcTicks { get; set; }

        [Key(3)]
        public long UpdatedAtUtcTicks { get; set; }
    }
}
