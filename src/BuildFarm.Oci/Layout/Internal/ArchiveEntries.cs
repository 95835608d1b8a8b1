using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layout.Internal;

/// <summary>Entries of image archives (OCI layout tar, docker archive): fixed metadata so archives are reproducible.</summary>
internal static class ArchiveEntries
{
    private const int FileMode = 0b110_100_100;
    private const int DirectoryMode = 0b111_101_101;

    public static ValueTask WriteDirectoryAsync(TarArchiveWriter tar, string name, CancellationToken cancellationToken) =>
        tar.WriteEntryAsync(new TarHeader { Name = name, Kind = TarEntryKind.Directory, Mode = DirectoryMode }, null, cancellationToken);

    public static ValueTask WriteFileAsync(TarArchiveWriter tar, string name, byte[] content, CancellationToken cancellationToken) =>
        tar.WriteEntryAsync(new TarHeader { Name = name, Kind = TarEntryKind.RegularFile, Mode = FileMode, Size = content.Length }, new MemoryStream(content), cancellationToken);

    /// <summary>Streams a blob in as an entry of the size its descriptor gives, checking its digest on the way.</summary>
    public static async ValueTask WriteBlobAsync(TarArchiveWriter tar, string name, IBlobReader source, Descriptor descriptor, CancellationToken cancellationToken)
    {
        await using var content = new DigestingStream(await source.OpenReadAsync(descriptor.Digest, cancellationToken).ConfigureAwait(false));
        await tar.WriteEntryAsync(new TarHeader { Name = name, Kind = TarEntryKind.RegularFile, Mode = FileMode, Size = descriptor.Size }, content, cancellationToken).ConfigureAwait(false);
        if (content.ReadByte() != -1 || content.Digest != descriptor.Digest)
        {
            throw new InvalidDataException($"Blob {descriptor.Digest} in the source does not match its descriptor (size {descriptor.Size}).");
        }
    }

    public static async ValueTask<byte[]> ReadSmallAsync(TarArchiveReader tar, TarHeader header, CancellationToken cancellationToken)
    {
        if (header.Size > BlobExtensions.MaxDocumentSize)
        {
            throw new InvalidDataException($"Archive entry '{header.Name}' has {header.Size} bytes, more than the {BlobExtensions.MaxDocumentSize} a document may have.");
        }

        var content = new byte[header.Size];
        await tar.Content.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
        return content;
    }

    /// <summary>Archive names without a leading './' or '/'.</summary>
    public static string NormalizeName(string name)
    {
        while (name.StartsWith("./", StringComparison.Ordinal) || name.StartsWith('/'))
        {
            name = name[(name[0] == '.' ? 2 : 1)..];
        }

        return name;
    }
}
