using BuildFarm.Grains;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Persistence;
using BuildFarm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;

namespace BuildFarm.Server.Tests.Grains;

/// <summary>The build index on a test cluster with grain state on disk, three builds to a page.</summary>
public sealed class BuildIndexGrainTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("buildfarm-index");
    private InProcessTestCluster _cluster = null!;

    private IBuildIndexGrain Index => _cluster.Client.GetGrain<IBuildIndexGrain>(0);

    public async Task InitializeAsync()
    {
        var grains = _directory.CreateDirectory("data");
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddGrainStorage(GrainStorage.Name, (_, _) => new DiskGrainStorage(grains));
            silo.Services.AddOptions<BuildGrainOptions>().Configure(options => options.IndexEntriesPerPage = 3);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Builds_are_listed_newest_first_across_sealed_pages_a_page_at_a_time()
    {
        var ordinals = new List<long>();
        for (var n = 1; n <= 8; n++)
        {
            ordinals.Add(await Index.AddAsync(Summary(n, n % 3 == 0 ? BuildState.Failed : BuildState.Running)));
        }

        var pages = new List<BuildListPage>();
        long before = 0;
        for (var call = 0; call < 10; call++)
        {
            var page = await Index.ListAsync(before, 2, []);
            pages.Add(page);
            before = page.Next;
            if (before == 0)
            {
                break;
            }
        }

        Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 8], ordinals);
        Assert.Equal([["b8", "b7"], ["b6", "b5"], ["b4", "b3"], ["b2", "b1"]], pages.Select(p => p.Builds.Select(b => b.Id).ToArray()));
        Assert.Equal([7L, 5, 3, 0], pages.Select(p => p.Next));
    }

    [Fact]
    public async Task Updates_reach_entries_in_sealed_pages_and_the_index_outlives_its_activation()
    {
        for (var n = 1; n <= 7; n++)
        {
            await Index.AddAsync(Summary(n, BuildState.Running));
        }

        await Index.UpdateAsync(2, Summary(2, BuildState.Succeeded));
        await Index.UpdateAsync(7, Summary(7, BuildState.Cancelled));
        await _cluster.DeactivateAsync(Index);
        await _cluster.DeactivateAsync(_cluster.Client.GetGrain<IBuildIndexPageGrain>(0));
        var all = await Index.ListAsync(0, 100, []);

        Assert.Equal(
            [("b7", BuildState.Cancelled), ("b6", BuildState.Running), ("b5", BuildState.Running), ("b4", BuildState.Running), ("b3", BuildState.Running), ("b2", BuildState.Succeeded), ("b1", BuildState.Running)],
            all.Builds.Select(b => (b.Id, b.State)));
        Assert.Equal(0, all.Next);
        var outOfRange = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Index.UpdateAsync(8, Summary(8, BuildState.Failed)));
        Assert.StartsWith("The build index holds builds 1 to 7.", outOfRange.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_filter_reads_a_bounded_number_of_pages_per_call_and_says_where_to_go_on()
    {
        // 40 builds, one failed (the oldest): 14 pages of 3, more than one call reads.
        for (var n = 1; n <= 40; n++)
        {
            await Index.AddAsync(Summary(n, n == 1 ? BuildState.Failed : BuildState.Succeeded));
        }

        var first = await Index.ListAsync(0, 5, [BuildState.Failed]);
        var second = await Index.ListAsync(first.Next, 5, [BuildState.Failed]);

        // Ten pages read: the head (build 40 alone), then nine sealed pages of 3, builds 39 down to 13.
        Assert.Empty(first.Builds);
        Assert.Equal(13, first.Next);
        Assert.Equal(["b1"], second.Builds.Select(b => b.Id));
        Assert.Equal(0, second.Next);
    }

    private static BuildSummary Summary(int n, BuildState state) => new() { Id = "b" + n, State = state };
}
