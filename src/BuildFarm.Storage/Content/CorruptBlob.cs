using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>A blob whose file no longer matches its digest and size, found by a read or a check.</summary>
/// <param name="Digest">The digest the blob was stored under.</param>
/// <param name="Path">The file that held it (already removed).</param>
/// <param name="Reason">What did not match.</param>
public sealed record CorruptBlob(Digest Digest, string Path, string Reason);
