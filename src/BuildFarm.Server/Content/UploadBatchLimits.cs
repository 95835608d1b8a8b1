namespace BuildFarm.Server.Content;

/// <summary>
/// What one <c>UploadBatch</c> call may carry (content.proto documents the same numbers): a
/// request stays far below gRPC's default 4 MB message limit, framing included, and no blob's
/// bytes need a large-object-heap buffer (85,000 bytes and over).
/// </summary>
public static class UploadBatchLimits
{
    /// <summary>Blobs per call.</summary>
    public const int MaxBlobs = 1_000;

    /// <summary>Bytes of blob data per call, all blobs together: 2 MiB.</summary>
    public const int MaxBytes = 2 * 1024 * 1024;

    /// <summary>Bytes of one blob: larger blobs go through the streaming Upload.</summary>
    public const int MaxBlobBytes = 64 * 1024;
}
