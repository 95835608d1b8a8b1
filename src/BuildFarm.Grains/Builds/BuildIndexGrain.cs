using MessagePack;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// The build index (see <see cref="IBuildIndexGrain"/>): the newest builds' summaries in its own
/// state, older ones in sealed pages of <see cref="BuildGrainOptions.IndexEntriesPerPage"/>
/// (fixed when the index was first written), so no write and no list grows with the farm's age.
/// </summary>
public sealed partial class BuildIndexGrain(
    [PersistentState("builds", GrainStorage.Name)] IPersistentState<BuildIndexState> state,
    IOptions<BuildGrainOptions> options,
    ILogger<BuildIndexGrain> logger) : Grain, IBuildIndexGrain
{
    // A list with a state filter reads at most this many pages before it returns what it found.
    internal const int MaxPagesPerList = 10;

    private long Count => (state.State.SealedPages * state.State.EntriesPerPage) + state.State.Head.Count;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.EntriesPerPage == 0)
        {
            state.State.EntriesPerPage = options.Value.IndexEntriesPerPage;
        }

        // An index written before it paged holds ids only: their summaries are fetched once.
        if (state.State.Ids.Count > 0)
        {
            var ids = state.State.Ids;
            foreach (var id in ids)
            {
                await AppendAsync(await GrainFactory.GetGrain<IBuildGrain>(id).GetAsync());
            }

            state.State.Ids = [];
            await state.WriteStateAsync();
            LogIndexUpgraded(logger, ids.Count);
        }
    }

    public async Task<long> AddAsync(BuildSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var ordinal = await AppendAsync(summary);
        await state.WriteStateAsync();
        return ordinal;
    }

    public async Task UpdateAsync(long ordinal, BuildSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var perPage = state.State.EntriesPerPage;
        var page = (ordinal - 1) / perPage;
        var position = (int)((ordinal - 1) % perPage);
        if (ordinal < 1 || ordinal > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, $"The build index holds builds 1 to {Count}.");
        }

        if (page < state.State.SealedPages)
        {
            await GrainFactory.GetGrain<IBuildIndexPageGrain>(page).UpdateAsync(position, summary);
            return;
        }

        state.State.Head[position] = summary;
        await state.WriteStateAsync();
    }

    public async Task<BuildListPage> ListAsync(long before, int limit, IReadOnlyList<BuildState> states)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentNullException.ThrowIfNull(states);

        // Taken at once: adds may interleave with the page reads below.
        var perPage = state.State.EntriesPerPage;
        var sealedPages = state.State.SealedPages;
        List<BuildSummary> head = [.. state.State.Head];
        var count = (sealedPages * perPage) + head.Count;

        var ordinal = before <= 0 || before > count ? count : before - 1;
        var builds = new List<BuildSummary>();
        for (var pagesRead = 0; ordinal >= 1 && builds.Count < limit && pagesRead < MaxPagesPerList; pagesRead++)
        {
            var page = (ordinal - 1) / perPage;
            var entries = page < sealedPages ? await GrainFactory.GetGrain<IBuildIndexPageGrain>(page).ReadAsync() : head;
            for (var position = (int)(ordinal - 1 - (page * perPage)); position >= 0 && builds.Count < limit; position--, ordinal--)
            {
                if (states.Count == 0 || states.Contains(entries[position].State))
                {
                    builds.Add(entries[position]);
                }
            }
        }

        return new BuildListPage(builds, ordinal >= 1 ? ordinal + 1 : 0);
    }

    // Seals the head as a page once it is full; the caller writes the state.
    private async Task<long> AppendAsync(BuildSummary summary)
    {
        state.State.Head.Add(summary);
        var ordinal = Count;
        if (state.State.Head.Count == state.State.EntriesPerPage)
        {
            var page = state.State.SealedPages;
            await GrainFactory.GetGrain<IBuildIndexPageGrain>(page).SealAsync(state.State.Head);
            state.State.SealedPages++;
            state.State.Head = [];
            LogPageSealed(logger, page, ordinal);
        }

        return ordinal;
    }

    [LoggerMessage(EventId = 1150, Level = LogLevel.Debug, Message = "Build index page {Page} sealed at build {Ordinal}")]
    private static partial void LogPageSealed(ILogger logger, long page, long ordinal);

    [LoggerMessage(EventId = 1151, Level = LogLevel.Information, Message = "Build index upgraded to pages: {Count} builds")]
    private static partial void LogIndexUpgraded(ILogger logger, int count);
}

/// <summary>A sealed page of the build index: its builds' summaries, oldest first.</summary>
public sealed class BuildIndexPageGrain(
    [PersistentState("builds-page", GrainStorage.Name)] IPersistentState<BuildIndexPageState> state) : Grain, IBuildIndexPageGrain
{
    public async Task SealAsync(IReadOnlyList<BuildSummary> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (state.State.Entries.Count == 0)
        {
            state.State.Entries = [.. entries];
            await state.WriteStateAsync();
        }
    }

    public async Task UpdateAsync(int position, BuildSummary summary)
    {
        state.State.Entries[position] = summary;
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<BuildSummary>> ReadAsync() => Task.FromResult<IReadOnlyList<BuildSummary>>([.. state.State.Entries]);
}

[MessagePackObject]
public sealed class BuildIndexState
{
    /// <summary>Build ids, oldest first, as the index held them before it paged; empty once upgraded.</summary>
    [Key(0)]
    public List<string> Ids { get; set; } = [];

    [Key(1)]
    public int EntriesPerPage { get; set; }

    [Key(2)]
    public long SealedPages { get; set; }

    /// <summary>The builds after the sealed pages, oldest first.</summary>
    [Key(3)]
    public List<BuildSummary> Head { get; set; } = [];
}

[MessagePackObject]
public sealed class BuildIndexPageState
{
    [Key(0)]
    public List<BuildSummary> Entries { get; set; } = [];
}
