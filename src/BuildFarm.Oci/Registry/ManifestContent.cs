using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Registry;

/// <summary>A manifest or index as a registry served it: the exact bytes, their media type and digest.</summary>
public sealed record ManifestContent(string MediaType, Digest Digest, byte[] Bytes)
{
    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    public Descriptor ToDescriptor() => new() { MediaType = MediaType, Digest = Digest, Size = Bytes.LongLength };
}
