using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>A blob held by the store: its identity (digest and size) and when it was last read or written.</summary>
public sealed record BlobInfo(Digest Digest, long Size, DateTimeOffset LastUsed);
