using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Grains;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Persistence;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Trees;
using BuildFarm.Testing;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;

namespace BuildFarm.Server.Tests.Grains;

/// <summary>
/// Two farm silos in one test cluster, each with its own data directory, store and engine, and
/// grain state shared between them (as Redis shares it): a build whose coordinating activation
/// goes away is reported from the journal by its next activation, on either silo.
/// </summary>
public sealed class TwoSiloBuildTests : IAsyncLifetime
{
    private const string Busybox = "docker.io/library/busybox:latest";

    private readonly TempDirectory _directory = new("buildfarm-two-silos");
    private string _grainState = null!;
    private readonly List<(ContentStore Store, RegistryClient Registry)> _silos = [];
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var grainState = _grainState = _directory.CreateDirectory("shared");
        var prepared = new Queue<(ContentStore, ExecutionEngine, RegistryClient)>();
        for (var i = 0; i < 2; i++)
        {
            var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = _directory.CreateDirectory("silo" + i) });
            await (await BusyboxImage.GetAsync()).AddToAsync(store, Busybox);
            var empty = TreeNode.Create([]);
            await store.WriteAsync(new MemoryStream(empty.Bytes.ToArray()), empty.Digest, empty.Bytes.Length);
            var registry = new RegistryClient();
            _silos.Add((store, registry));
            prepared.Enqueue((store, await ExecutionEngine.OpenAsync(store), registry));
        }

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((options, silo) =>
        {
            var (store, execution, registry) = prepared.Dequeue();
            silo.AddBuildFarm(store, execution, registry, new BuildEngineOptions { WorkerName = options.SiloName });
            // Registered after the farm's own: the last registration under a name is the one grains get.
            silo.Services.AddGrainStorage(GrainStorage.Name, (_, _) => new DiskGrainStorage(grainState));
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        foreach (var (store, registry) in _silos)
        {
            store.Dispose();
            registry.Dispose();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task A_build_whose_activation_is_deactivated_mid_run_ends_failed_with_every_event_it_wrote()
    {
        var (build, seen) = await StartAsync("RUN echo started && sleep 60");
        var silo = _cluster.Silos.Single(s => s.Name == Started(seen).Silo);

        await _cluster.DeactivateAsync(build);
        var replayed = await ReadAllAsync(build);

        AssertEndsWithCoordinatorStopped(build, seen, replayed, silo);
    }

    [Fact]
    public async Task A_build_whose_silo_is_killed_mid_run_is_reported_failed_by_the_other_silo_from_its_journal()
    {
        var (build, seen) = await StartAsync("RUN echo started && sleep 5");
        var silo = _cluster.Silos.Single(s => s.Name == Started(seen).Silo);

        await _cluster.KillSiloAsync(silo);
        var replayed = await ReadAllAsync(build);

        AssertEndsWithCoordinatorStopped(build, seen, replayed, silo);
        // The killed silo's run carries on in this process until its sleep ends: let it leave its mounts.
        var dataDirectory = _silos.Select(s => s.Store.DataDirectory).ToList();
        for (var wait = 0; wait < 300 && File.ReadAllLines("/proc/self/mountinfo").Any(line => dataDirectory.Any(d => line.Contains(d, StringComparison.Ordinal))); wait++)
        {
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Builds_and_an_index_recorded_before_journals_and_pages_are_still_listed_and_replayed()
    {
        // As a farm of before wrote them: each build's events in its state, the index a list of ids.
        var storage = new DiskGrainStorage(_grainState);
        var ids = new[] { "20261201-000000-aaaaaaaa", "20261201-000001-bbbbbbbb" };
        foreach (var id in ids)
        {
            var events = new List<BuildEventRecord>
            {
                new() { Sequence = 1, Timestamp = DateTimeOffset.UnixEpoch, Kind = BuildEventKind.StepQueued, Step = "0.1", Name = "[2/2] RUN true" },
                new() { Sequence = 2, Timestamp = DateTimeOffset.UnixEpoch, Kind = BuildEventKind.BuildFailed, Text = "failed " + id },
            };
            await storage.WriteStateAsync("build", _cluster.Client.GetGrain<IBuildGrain>(id).GetGrainId(), new GrainState<BuildGrainState>(new BuildGrainState
            {
                Spec = new BuildSpec { ContextDigest = TreeNode.Create([]).Digest.ToString() },
                State = BuildState.Failed,
                Error = "failed " + id,
                Events = events,
            }));
        }

        await storage.WriteStateAsync("builds", _cluster.Client.GetGrain<IBuildIndexGrain>(0).GetGrainId(), new GrainState<BuildIndexState>(new BuildIndexState { Ids = [.. ids] }));

        var listed = await _cluster.Client.GetGrain<IBuildIndexGrain>(0).ListAsync(0, 10, []);
        var replayed = await ReadAllAsync(_cluster.Client.GetGrain<IBuildGrain>(ids[0]));

        Assert.Equal([(ids[1], "failed " + ids[1], 2L, 1), (ids[0], "failed " + ids[0], 2L, 1)], listed.Builds.Select(b => (b.Id, b.Error, b.LastSequence, b.StepsTotal)));
        Assert.Equal([(1L, BuildEventKind.StepQueued), (2L, BuildEventKind.BuildFailed)], replayed.Select(e => (e.Sequence, e.Kind)));
    }

    private async Task<(IBuildGrain Build, List<BuildEventRecord> Seen)> StartAsync(string run)
    {
        var build = _cluster.Client.GetGrain<IBuildGrain>("20261207-000000-" + Guid.NewGuid().ToString("N")[..8]);
        await build.StartAsync(
            new BuildSpec { ContextDigest = TreeNode.Create([]).Digest.ToString(), DockerfileContent = $"FROM busybox\n{run}\n" },
            BuildSecrets.None);
        var seen = new List<BuildEventRecord>();
        for (var read = 0; read < 30 && !seen.Any(e => e is { Kind: BuildEventKind.Log, Text: "started" }); read++)
        {
            var page = await build.ReadEventsAsync(seen.Count, TimeSpan.FromSeconds(2));
            seen.AddRange(page.Events);
        }

        return (build, seen);
    }

    private static BuildEventRecord Started(List<BuildEventRecord> seen) => seen.Single(e => e.Kind == BuildEventKind.StepStarted);

    // Calls fail until the cluster has noticed the dead silo: bounded retries, 60 s at most.
    private static async Task<List<BuildEventRecord>> ReadAllAsync(IBuildGrain build)
    {
        var events = new List<BuildEventRecord>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var read = 0; read < 600; read++)
        {
            try
            {
                var page = await build.ReadEventsAsync(events.Count, TimeSpan.FromSeconds(2)).WaitAsync(timeout.Token);
                events.AddRange(page.Events);
                if (page.Done)
                {
                    return events;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException && !timeout.IsCancellationRequested)
            {
                await Task.Delay(200, timeout.Token);
            }
        }

        throw new TimeoutException($"The build did not end: {events.Count} events read.");
    }

    // Records hold lists, which compare by reference.
    private static string Describe(BuildEventRecord e) => (e with { Inputs = null }) + " inputs " + string.Join(",", e.Inputs ?? []);

    private static void AssertEndsWithCoordinatorStopped(IBuildGrain build, List<BuildEventRecord> seen, List<BuildEventRecord> replayed, InProcessSiloHandle silo)
    {
        var id = build.GetPrimaryKeyString();
        Assert.Equal(seen.Select(Describe), replayed.Take(seen.Count).Select(Describe));
        var last = replayed[^1];
        Assert.Equal(
            (BuildEventKind.BuildFailed, $"the silo coordinating build {id} stopped while it was running (silo {silo.SiloAddress.Endpoint})"),
            (last.Kind, last.Text));
        Assert.Equal(Enumerable.Range(1, replayed.Count).Select(i => (long)i), replayed.Select(e => e.Sequence));
    }
}
