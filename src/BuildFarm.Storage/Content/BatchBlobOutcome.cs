namespace BuildFarm.Storage.Content;

/// <summary>What became of one blob of a batch: stored (now or before), or refused and left out.</summary>
/// <param name="Blob">The blob as the store now holds it; null when it was refused.</param>
/// <param name="Created">True when this batch stored it; false when the store already held it, or it was refused.</param>
/// <param name="Failure">Why it was refused (its content is not what was declared); null when it is stored.</param>
public sealed record BatchBlobOutcome(BlobInfo? Blob, bool Created, BlobMismatchException? Failure)
{
    public static BatchBlobOutcome Stored(BlobInfo blob, bool created) => new(blob, created, null);

    public static BatchBlobOutcome Refused(BlobMismatchException failure) => new(null, false, failure);
}
