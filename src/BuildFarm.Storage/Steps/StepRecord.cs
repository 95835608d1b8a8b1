using MessagePack;

namespace BuildFarm.Storage.Steps;

/// <summary>
/// What a build step produced, kept under its cache key so that any later build with the same
/// key reuses it: the layer it made (null for a step that made none) and when it was recorded.
/// </summary>
/// <param name="LayerDigest">The layer blob's digest, or null.</param>
/// <param name="LayerMediaType">The layer blob's media type, or null.</param>
/// <param name="LayerSize">The layer blob's size in bytes (compressed), or 0.</param>
/// <param name="DiffId">The digest of the uncompressed layer tar, or null.</param>
/// <param name="UncompressedSize">The length of the uncompressed tar, or 0.</param>
/// <param name="RecordedAt">When the step finished.</param>
/// <param name="Worker">The silo that ran it.</param>
[MessagePackObject]
public sealed record StepRecord(
    [property: Key(0)] string? LayerDigest,
    [property: Key(1)] string? LayerMediaType,
    [property: Key(2)] long LayerSize,
    [property: Key(3)] string? DiffId,
    [property: Key(4)] long UncompressedSize,
    [property: Key(5)] DateTimeOffset RecordedAt,
    [property: Key(6)] string Worker);
