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

/// <summary>
/// Every build the farm knows, newest first: what <c>farm builds ls</c> lists. Each build has an
/// ordinal (1 for the first); the newest builds are held here, older ones in sealed pages of a
/// fixed size (<see cref="IBuildIndexPageGrain"/>), each entry with the summary a list shows, so
/// a list reads one page at a time and never one grain per build.
/// </summary>
public interface IBuildIndexGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a build as the newest; returns its ordinal, which <see cref="UpdateAsync"/> takes.</summary>
    Task<long> AddAsync(BuildSummary summary);

    /// <summary>Replaces the summary of the build at <paramref name="ordinal"/> (it started, it ended).</summary>
    Task UpdateAsync(long ordinal, BuildSummary summary);

    /// <summary>
    /// Up to <paramref name="limit"/> builds older than ordinal <paramref name="before"/> (0 for
    /// the newest), newest first, in <paramref name="states"/> (empty for all). Reads at most a
    /// bounded number of pages: a page may hold fewer than <paramref name="limit"/> builds and
    /// still have a next one.
    /// </summary>
    [AlwaysInterleave]
    Task<BuildListPage> ListAsync(long before, int limit, IReadOnlyList<BuildState> states);
}

/// <summary>One sealed page of the build index, keyed by its number from 0: ordinals <c>p·N+1</c> to <c>(p+1)·N</c>.</summary>
public interface IBuildIndexPageGrain : IGrainWithIntegerKey
{
    /// <summary>Writes the page's entries (sealing it), unless it holds them already.</summary>
    Task SealAsync(IReadOnlyList<BuildSummary> entries);

    /// <summary>Replaces the entry at <paramref name="position"/> (0 for the page's oldest).</summary>
    Task UpdateAsync(int position, BuildSummary summary);

    Task<IReadOnlyList<BuildSummary>> ReadAsync();
}

/// <summary>A page of builds, newest first; <see cref="Next"/> is the ordinal to list before next, 0 after the oldest.</summary>
[GenerateSerializer, Immutable]
public sealed record BuildListPage(
    [property: Id(0)] IReadOnlyList<BuildSummary> Builds,
    [property: Id(1)] long Next);
