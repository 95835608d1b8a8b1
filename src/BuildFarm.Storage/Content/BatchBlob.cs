using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>One blob of a <see cref="ContentStore.WriteBatch"/>: what it is declared to be, and its bytes.</summary>
/// <param name="Digest">The sha256 digest its content must have.</param>
/// <param name="Size">The length its content must have.</param>
/// <param name="Content">The whole content: batches are for small blobs, held in memory.</param>
public readonly record struct BatchBlob(Digest Digest, long Size, ReadOnlyMemory<byte> Content);
