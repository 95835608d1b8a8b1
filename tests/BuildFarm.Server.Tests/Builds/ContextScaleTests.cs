using BuildFarm.Api.V1;
using BuildEngine = BuildFarm.Execution.Building.BuildEngine;
using BuildFarm.Server.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BuildFarm.Server.Tests.Builds;

/// <summary>What a build costs the server is what it runs, not the size of its context.</summary>
public sealed class ContextScaleTests
{
    private const int Files = 10_000;

    [Fact]
    public async Task A_warm_build_of_a_10000_file_context_writes_reads_and_hashes_no_context_file_on_the_server()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nCOPY src/ /src/\nRUN find /src -type f | wc -l > /count\n");
        for (var i = 0; i < Files; i++)
        {
            farm.Write($"src/d{i / 100:D3}/f{i % 100:D2}.txt", $"file {i}\n");
        }

        var engine = farm.Server.Services.GetRequiredService<BuildEngine>();

        var cold = await farm.BuildAsync();
        var readCold = engine.ContextReads.Files;
        var warm = await farm.BuildAsync();

        Assert.Equal(BuildEvent.KindOneofCase.BuildFinished, cold[^1].KindCase);
        Assert.Equal(Files, readCold); // the step that ran read every file it copies, once
        Assert.Equal(2, warm.Count(e => e.KindCase == BuildEvent.KindOneofCase.StepCached));
        Assert.DoesNotContain(warm, e => e.KindCase == BuildEvent.KindOneofCase.StepStarted);
        Assert.Equal(readCold, engine.ContextReads.Files);
        Assert.Equal(0, engine.FilesHashed);
        Assert.False(Directory.Exists(Path.Combine(farm.DataDirectory, "contexts")));
    }
}
