using Orleans.Concurrency;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// One build, keyed by its id: the one place to start, follow, reattach to and cancel it. Its
/// request, state, events and result survive a server restart. No call stays open for the
/// build's length: <see cref="StartAsync"/> returns at once and events are read a page at a time.
/// </summary>
public interface IBuildGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the build unless it was started before (then this is a no-op). The spec is kept with
    /// the build's record; <paramref name="secrets"/> only in memory, while the build runs.
    /// </summary>
    Task<BuildSummary> StartAsync(BuildSpec spec, BuildSecrets secrets);

    /// <summary>
    /// The events after <paramref name="afterSequence"/> (0 for all), waiting up to
    /// <paramref name="maxWait"/> for one when there are none yet.
    /// </summary>
    [AlwaysInterleave]
    Task<BuildEventPage> ReadEventsAsync(long afterSequence, TimeSpan maxWait);

    /// <summary>Cancels a running build: its process is killed and its mounts released.</summary>
    [AlwaysInterleave]
    Task<BuildSummary> CancelAsync();

    [AlwaysInterleave]
    Task<BuildSummary> GetAsync();
}

/// <summary>Every build the farm knows, newest first: what <c>farm builds ls</c> lists.</summary>
public interface IBuildIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(string buildId);

    Task<IReadOnlyList<string>> ListAsync(int limit);
}
