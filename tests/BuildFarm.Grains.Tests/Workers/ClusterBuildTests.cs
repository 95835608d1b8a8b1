using System.Collections.Concurrent;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Building;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Grains.Workers;

namespace BuildFarm.Grains.Tests.Workers;

/// <summary>Builds coordinated on one silo whose steps run on several, with real runc on each.</summary>
/// <remarks>
/// Alone, not beside the project's other classes: placement reads the silos' free slots, and on a
/// busy machine a slot is given back late, so the exact placement asserted here would change.
/// </remarks>
[Collection(Name)]
public sealed class ClusterBuildTests
{
    public const string Name = "cluster-builds";

    private static readonly IReadOnlyDictionary<string, string> TwoStages = TwoStageContext.Files(seconds: 2);

    [Fact]
    public async Task Independent_stages_run_on_two_silos_when_one_silo_has_one_slot_and_the_image_is_byte_identical_to_a_single_silo_build()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 3, slots: 1, replicas: 2);
        var coordinator = farm.Silos[0];
        var root = await farm.SendContextAsync(farm.Store(coordinator), TwoStages);
        var events = new ConcurrentQueue<BuildEvent>();

        var result = await farm.Engine(coordinator).BuildAsync(
            new BuildRequest { ContextTree = root },
            (buildEvent, _) =>
            {
                events.Enqueue(buildEvent);
                return ValueTask.CompletedTask;
            });

        var single = await SingleSiloBuild.RunAsync(farm, TwoStages);
        Assert.Equal(single.Manifest.Digest, result.Manifest.Digest);

        // Each RUN (step 1 of its stage, after FROM) started once, on two different silos; the other stage's output came back here.
        var runs = events.OfType<StepStarted>().Where(started => started.Step.Step == 1 && started.Step.Stage < 2).ToDictionary(started => started.Step.Stage, started => started.Worker);
        Assert.Equal(2, runs.Count);
        Assert.NotEqual(runs[0], runs[1]);
        Assert.Contains(FarmCluster.NameOf(coordinator), runs.Values);
        Assert.Equal(
            ["made-a", "made-b"],
            events.OfType<StepLog>().Select(log => log.Line.Text).Order(StringComparer.Ordinal));
        var remote = farm.Silos.Single(silo => FarmCluster.NameOf(silo) != FarmCluster.NameOf(coordinator) && runs.ContainsValue(FarmCluster.NameOf(silo)));

        // The first RUN and both COPYs (whose inputs the coordinator holds) by locality here, the
        // other RUN by free slots on the silo that ran it.
        Assert.Equal((3L, 0L), (farm.Metrics(coordinator).StepsPlaced(PlacementReason.Locality), farm.Metrics(coordinator).StepsPlaced(PlacementReason.FreeSlots)));
        Assert.Equal((0L, 1L), (farm.Metrics(remote).StepsPlaced(PlacementReason.Locality), farm.Metrics(remote).StepsPlaced(PlacementReason.FreeSlots)));
        Assert.All(result.Steps.Where(step => step.Layer is not null), step => Assert.True(farm.Store(coordinator).Exists(step.Layer!.Descriptor.Digest)));
        Assert.Equal(
            [runs[0], runs[1]],
            result.Steps.Where(step => step.Id.Step == 1 && step.Id.Stage < 2).OrderBy(step => step.Id.Stage).Select(step => step.Worker));

        // Each COPY makes the very layer the RUN it copies from made (the same file, times
        // clamped): two distinct layers. Each is recorded on exactly two silos, the one that
        // made it first and one more (the coordinator, or for its own, one chosen by the
        // digest), and was replicated once.
        var madeOn = result.Steps.Where(step => step.Layer is not null)
            .GroupBy(step => step.Layer!.Descriptor.Digest.ToString())
            .ToDictionary(layer => layer.Key, layer => layer.OrderBy(step => step.Id.Stage).First().Worker);
        Assert.Equal(2, madeOn.Count);
        var holders = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (digest, worker) in madeOn)
        {
            var info = await farm.Cluster.Client.GetGrain<ILayerGrain>(digest).GetAsync();
            holders[digest] = info!.Silos;
            Assert.Equal(2, info.Silos.Count);
            Assert.Contains(worker, info.Silos);
            Assert.Contains(FarmCluster.NameOf(coordinator), info.Silos);
        }

        Assert.Equal(2L, farm.Metrics(coordinator).ReplicasMade);

        // The remote silo had none of busybox: it fetched its layer, manifest and config, the
        // Dockerfile and the context's root node from the coordinator, and then the replica it
        // may have been chosen for.
        var replicasOnRemote = madeOn.Count(layer => layer.Value != FarmCluster.NameOf(remote) && holders[layer.Key].Contains(FarmCluster.NameOf(remote)));
        Assert.Equal(5L + replicasOnRemote, farm.Metrics(remote).PeerFetchedBlobs);
    }
}

[CollectionDefinition(ClusterBuildTests.Name, DisableParallelization = true)]
public sealed class ClusterBuildCollection;
