namespace BuildFarm.Grains.Steps;

/// <summary>
/// One shard of the list of cache keys that have a record, so that <c>farm du</c> and
/// <c>farm prune</c> can find every record where grain state cannot be listed (Redis). A key is
/// in shard <see cref="StepRecordShards.Of"/> of its name; a key listed here may have lost its
/// record to a prune since, so a reader asks its <see cref="ICacheKeyGrain"/>.
/// </summary>
public interface IStepRecordIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(string key);

    Task<IReadOnlyList<string>> ListAsync();

    Task RemoveAsync(IReadOnlyList<string> keys);
}

/// <summary>How cache keys are spread over the <see cref="IStepRecordIndexGrain"/> shards.</summary>
public static class StepRecordShards
{
    /// <summary>Enough that a shard's state stays small (it is written whole on each new record) for a cache of a million steps.</summary>
    public const int Count = 256;

    public static int Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        // FNV-1a: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Count);
    }
}
