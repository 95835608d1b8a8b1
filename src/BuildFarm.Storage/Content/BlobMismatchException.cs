using BuildFarm.Oci;

namespace BuildFarm.Storage.Content;

/// <summary>
/// Thrown when content written to the store is not what the writer declared (digest or size).
/// Nothing is stored.
/// </summary>
public sealed class BlobMismatchException : IOException
{
    public BlobMismatchException(Digest? expectedDigest, long? expectedSize, string problem)
        : base($"Blob {Describe(expectedDigest, expectedSize)} was not stored: {problem}.")
    {
        ExpectedDigest = expectedDigest;
        ExpectedSize = expectedSize;
    }

    public Digest? ExpectedDigest { get; }

    public long? ExpectedSize { get; }

    private static string Describe(Digest? digest, long? size) => (digest, size) switch
    {
        ({ } d, { } s) => $"{d} ({s} bytes)",
        ({ } d, null) => d.ToString(),
        // Only a declared digest or size can be mismatched, so one of them is set here.
        _ => $"of {size} bytes",
    };
}
