using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Steps;
using BuildFarm.Testing;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>The same build on one machine without the farm: an engine of its own over a fresh data directory holding busybox.</summary>
public static class SingleSiloBuild
{
    public static async Task<BuildResult> RunAsync(FarmCluster farm, IReadOnlyDictionary<string, string> context)
    {
        using var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = farm.NewDirectory("single") });
        await (await BusyboxImage.GetAsync()).AddToAsync(store, FarmCluster.BusyboxName);
        var engine = new BuildEngine(await ExecutionEngine.OpenAsync(store), store, new LocalStepCache(new StepRecordStore(store.DataDirectory)));
        var root = await farm.SendContextAsync(store, context);
        return await engine.BuildAsync(new BuildRequest { ContextTree = root });
    }
}
