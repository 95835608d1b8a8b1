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
        // Each line names the silo whose process printed it; every step was queued by the coordinator.
        Assert.Equal(
            [("made-a", runs[0]), ("made-b", runs[1])],
            events.OfType<StepLog>().Select(log => (log.Line.Text, log.Worker)).OrderBy(line => line.Text, StringComparer.Ordinal));
        Assert.Equal(
            Enumerable.Repeat(FarmCluster.NameOf(coordinator), 4),
            events.OfType<StepQueued>().Select(queued => queued.Worker));
        var remote = farm.Silos.Single(silo => FarmCluster.NameOf(silo) != FarmCluster.NameOf(coordinator) && runs.ContainsValue(FarmCluster.NameOf(silo)));

        // The first RUN placed by locality here, the other by free slots on the silo that ran it.
        // The COPYs by locality: here, where their inputs are; but the first COPY, of the stage
        // the other silo ran, goes there when that stage ended while this silo's RUN still ran
        // (it holds the parent and the input too, and this silo has no free slot): which RUN is
        // placed first, and so ends first, is a race. The last COPY comes here.
        var byLocality = (Here: farm.Metrics(coordinator).StepsPlaced(PlacementReason.Locality), There: farm.Metrics(remote).StepsPlaced(PlacementReason.Locality));
        Assert.Equal(3L, byLocality.Here + byLocality.There);
        Assert.InRange(byLocality.Here, 2L, 3L);
        Assert.Equal((0L, 1L), (farm.Metrics(coordinator).StepsPlaced(PlacementReason.FreeSlots), farm.Metrics(remote).StepsPlaced(PlacementReason.FreeSlots)));
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

    [Fact]
    public async Task A_step_placed_while_every_slot_is_taken_runs_on_the_first_silo_to_free_one_not_where_its_inputs_are()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1, replicas: 1);
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var started = new ConcurrentDictionary<string, TaskCompletionSource<StepStarted>>(StringComparer.Ordinal);
        var ended = new ConcurrentQueue<string>();
        async Task<BuildResult> BuildAsync(string name, int seconds)
        {
            var mark = started.GetOrAdd(name, _ => new TaskCompletionSource<StepStarted>(TaskCreationOptions.RunContinuationsAsynchronously));
            var root = await farm.SendContextAsync(farm.Store(a), new Dictionary<string, string> { ["Dockerfile"] = $"FROM busybox\nRUN sleep {seconds} && echo {name} > /{name}\n" });
            var result = await farm.Engine(a).BuildAsync(new BuildRequest { ContextTree = root }, (buildEvent, _) =>
            {
                if (buildEvent is StepStarted step)
                {
                    mark.TrySetResult(step);
                }

                return ValueTask.CompletedTask;
            });
            ended.Enqueue(name);
            return result;
        }

        // Both builds are coordinated on A, which holds their inputs: the long one takes A's slot,
        // the short one B's, as A has none left.
        var longBuild = BuildAsync("long", seconds: 8);
        Assert.Equal(FarmCluster.NameOf(a), (await started["long"].Task.WaitAsync(TimeSpan.FromMinutes(1))).Worker);
        var shortBuild = BuildAsync("short", seconds: 2);
        Assert.Equal(FarmCluster.NameOf(b), (await started["short"].Task.WaitAsync(TimeSpan.FromMinutes(1))).Worker);

        // Every slot taken: the third waits on both silos and runs on B, free long before A.
        var third = await BuildAsync("third", seconds: 0);
        await Task.WhenAll(longBuild, shortBuild);

        Assert.Equal(FarmCluster.NameOf(b), (await started["third"].Task).Worker);
        Assert.Equal(["short", "third", "long"], ended);
        Assert.Equal(FarmCluster.NameOf(b), third.Steps.Single(step => step.Layer is not null).Worker);
        Assert.Equal((1L, 0L, 0L), (farm.Metrics(a).StepsPlaced(PlacementReason.Locality), farm.Metrics(a).StepsPlaced(PlacementReason.FreeSlots), farm.Metrics(a).StepsPlaced(PlacementReason.FirstFreeSlot)));
        Assert.Equal((0L, 1L, 1L), (farm.Metrics(b).StepsPlaced(PlacementReason.Locality), farm.Metrics(b).StepsPlaced(PlacementReason.FreeSlots), farm.Metrics(b).StepsPlaced(PlacementReason.FirstFreeSlot)));
        Assert.Equal((0, 0), (farm.Engine(a).QueuedSteps, farm.Engine(b).QueuedSteps));
    }

    [Fact]
    public async Task A_failed_step_names_the_silo_where_it_failed_the_one_that_ran_it_or_the_coordinator_before_it_ran()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1, replicas: 1);
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var failures = new ConcurrentQueue<StepFailed>();
        var lines = new ConcurrentQueue<StepLog>();
        var longStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<Exception?> BuildAsync(string dockerfile)
        {
            var root = await farm.SendContextAsync(farm.Store(a), new Dictionary<string, string> { ["Dockerfile"] = dockerfile });
            try
            {
                await farm.Engine(a).BuildAsync(new BuildRequest { ContextTree = root }, (buildEvent, _) =>
                {
                    switch (buildEvent)
                    {
                        case StepStarted:
                            longStarted.TrySetResult();
                            break;
                        case StepFailed failed:
                            failures.Enqueue(failed);
                            break;
                        case StepLog line:
                            lines.Enqueue(line);
                            break;
                    }

                    return ValueTask.CompletedTask;
                });
                return null;
            }
            catch (StepFailedException e)
            {
                return e;
            }
        }

        // A's slot taken, the failing RUN goes to B; the COPY of a missing file fails on A, the coordinator, before any run.
        var longBuild = BuildAsync("FROM busybox\nRUN sleep 4 && echo long > /long\n");
        await longStarted.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.NotNull(await BuildAsync("FROM busybox\nRUN echo broken >&2 && exit 3\n"));
        Assert.NotNull(await BuildAsync("FROM busybox\nCOPY missing.txt /\n"));
        Assert.Null(await longBuild);

        Assert.Equal(
            [("[2/2] RUN echo broken >&2 && exit 3", FarmCluster.NameOf(b), 3, "broken"), ("[2/2] COPY missing.txt /", FarmCluster.NameOf(a), (int?)null, "")],
            failures.Select(failed => (failed.Name, failed.Worker, failed.Failure.ExitCode, string.Join('\n', failed.Failure.LastLines))));
        Assert.Equal([("broken", FarmCluster.NameOf(b))], lines.Select(line => (line.Line.Text, line.Worker)));
    }
}

[CollectionDefinition(ClusterBuildTests.Name, DisableParallelization = true)]
public sealed class ClusterBuildCollection;
