using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Blobs;

public static class BlobExtensions
{
    /// <summary>The most a JSON document (manifest, index, config) may have when read whole.</summary>
    public const int MaxDocumentSize = 4 << 20;

    /// <summary>Copies <paramref name="content"/> in as a blob, verifying it has <paramref name="expected"/> when given.</summary>
    public static async ValueTask<Digest> WriteBlobAsync(this IBlobWriter writer, Stream content, Digest? expected = null, CancellationToken cancellationToken = default)
    {
        await using var upload = await writer.BeginUploadAsync(cancellationToken).ConfigureAwait(false);
        await content.CopyToAsync(upload.Stream, 1 << 20, cancellationToken).ConfigureAwait(false);
        return await upload.CommitAsync(expected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a document held in memory and describes it.</summary>
    public static async ValueTask<Descriptor> WriteBlobAsync(this IBlobWriter writer, string mediaType, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var descriptor = Descriptor.FromContent(mediaType, content.Span);
        if (!await writer.ExistsAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false))
        {
            await using var upload = await writer.BeginUploadAsync(cancellationToken).ConfigureAwait(false);
            await upload.Stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await upload.CommitAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false);
        }

        return descriptor;
    }

    /// <summary>Reads a single-platform image: its manifest, then the config it names.</summary>
    public static async ValueTask<(ImageManifest Manifest, ImageConfig Config)> ReadImageAsync(this IBlobReader reader, Descriptor manifest, CancellationToken cancellationToken = default)
    {
        var parsed = ImageManifest.Parse(await reader.ReadDocumentAsync(manifest, cancellationToken).ConfigureAwait(false));
        return (parsed, ImageConfig.Parse(await reader.ReadDocumentAsync(parsed.Config, cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>Reads a small blob (a JSON document) whole, checking its digest and its size against the descriptor.</summary>
    public static async ValueTask<byte[]> ReadDocumentAsync(this IBlobReader reader, Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        if (descriptor.Size > MaxDocumentSize)
        {
            throw new InvalidDataException($"Blob {descriptor.Digest} ({descriptor.MediaType}) has {descriptor.Size} bytes, more than the {MaxDocumentSize} a document may have.");
        }

        await using var stream = await reader.OpenReadAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[descriptor.Size + 1];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var content = buffer.AsMemory(0, read);
        if (read != descriptor.Size || Digest.Sha256(content.Span) != descriptor.Digest)
        {
            throw new InvalidDataException($"Blob {descriptor.Digest} does not match its descriptor (size {descriptor.Size}, read {(read > descriptor.Size ? "more" : read.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes).");
        }

        return content.ToArray();
    }
}
