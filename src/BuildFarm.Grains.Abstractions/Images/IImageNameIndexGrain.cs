using Orleans.Concurrency;

namespace BuildFarm.Grains.Images;

/// <summary>
/// Every image name of the cluster in ordinal order (one grain, key 0), read a page at a time. The
/// <see cref="IImageNameGrain"/> of each name keeps it up to date; the name grains are the authority.
/// </summary>
public interface IImageNameIndexGrain : IGrainWithIntegerKey
{
    Task PutAsync(ImageNameRecord record);

    Task RemoveAsync(string name);

    /// <summary>Up to <paramref name="limit"/> records whose names sort after <paramref name="after"/> (from the first when null).</summary>
    [ReadOnly]
    Task<ImageNamePage> ListAsync(string? after, int limit);
}

/// <summary>A page of names; <see cref="Next"/> is what to pass as <c>after</c> for the next page, null after the last.</summary>
[GenerateSerializer, Immutable]
public sealed record ImageNamePage([property: Id(0)] IReadOnlyList<ImageNameRecord> Records, [property: Id(1)] string? Next);
