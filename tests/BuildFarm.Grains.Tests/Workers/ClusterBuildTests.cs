using System.Collections.Concurrent;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Building;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Grains.Workers;

namespace BuildFarm.Grains.Tests.Workers;

/// <summary>Builds coordinated on one silo whose steps run on several, with real runc on each.</summary>
public sealed class ClusterBuildTests
{
    // Two independent stages whose RUN steps each hold their silo's one slot for two seconds,
    // so the second is placed while the first still runs: on another silo, by free slots.
    private static readonly IReadOnlyDictionary<string, string> TwoStages = new Dictionary<string, string>
    {
        ["Dockerfile"] = """
            FROM busybox AS a
            RUN sleep 2 && echo made-a && echo a > /a
            FROM busybox AS b
            RUN sleep 2 && echo made-b && echo b > /b
            FROM busybox
            COPY --from=a /a /a
            COPY --from=b /b /b

            """,
    };

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
        // other RUN by free slots on the silo that ran it; every step's layer on two silos.
        Assert.Equal((3L, 0L), (farm.Metrics(coordinator).StepsPlaced(PlacementReason.Locality), farm.Metrics(coordinator).StepsPlaced(PlacementReason.FreeSlots)));
        Assert.Equal((0L, 1L), (farm.Metrics(remote).StepsPlaced(PlacementReason.Locality), farm.Metrics(remote).StepsPlaced(PlacementReason.FreeSlots)));
        Assert.Equal(4L, farm.Metrics(coordinator).ReplicasMade);
        Assert.All(result.Steps.Where(step => step.Layer is not null), step => Assert.True(farm.Store(coordinator).Exists(step.Layer!.Descriptor.Digest)));
        Assert.Equal(
            [runs[0], runs[1]],
            result.Steps.Where(step => step.Id.Step == 1 && step.Id.Stage < 2).OrderBy(step => step.Id.Stage).Select(step => step.Worker));

        // The remote silo had none of busybox: it fetched its layer, manifest and config, the
        // Dockerfile and the context's root node from the coordinator.
        Assert.Equal(5L, farm.Metrics(remote).PeerFetchedBlobs);
    }
}
