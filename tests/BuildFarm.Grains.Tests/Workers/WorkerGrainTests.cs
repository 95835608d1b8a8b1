using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Steps;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage.Content;

namespace BuildFarm.Grains.Tests.Workers;

/// <summary>A silo's worker running a step described by digests whose blobs only another silo holds.</summary>
public sealed class WorkerGrainTests
{
    private const string Dockerfile = "FROM busybox\nRUN echo hello && echo hi > /hi\n";

    [Fact]
    public async Task A_worker_fetches_the_blobs_its_step_needs_from_the_coordinating_silo_and_makes_the_layer_that_silo_makes()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1, replicas: 1);
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var step = await DescribeAsync(farm, a);
        var needed = new[] { step.Build.Dockerfile, step.Build.BaseImages.Values.Single(), step.Parents.Single().Descriptor.Digest, await ConfigOfAsync(farm.Store(a), step), step.Build.ContextTree!.Value };
        Assert.All(needed, digest => Assert.False(farm.Store(b).Exists(digest)));

        var observer = new RecordingObserver();
        var reference = farm.Cluster.Client.CreateObjectReference<IStepObserver>(observer);
        var worker = farm.Cluster.Client.GetGrain<IWorkerGrain>(FarmCluster.NameOf(b));
        var runId = await worker.StartStepAsync(new StepOrder { Description = step.ToJson(), Coordinator = FarmCluster.NameOf(a), Observer = reference });
        var status = await WaitAsync(worker, runId);

        Assert.Equal((StepRunState.Succeeded, null), (status.State, status.Error));
        Assert.Equal([FarmCluster.NameOf(b)], observer.StartedOn);
        Assert.Equal([(false, "hello")], observer.Lines.Select(line => (line.Stderr, line.Text)));
        Assert.Equal(FarmCluster.NameOf(b), status.Result!.Silo);
        Assert.True(farm.Store(b).Exists(Digest.Parse(status.Result.LayerDigest!)));

        // B now holds every blob it needed, each fetched once and verified, with the bytes counted.
        Assert.All(needed, digest => Assert.True(farm.Store(b).Exists(digest)));
        Assert.Equal(
            (5L, needed.Sum(digest => farm.Store(a).GetInfo(digest)!.Size)),
            (farm.Metrics(b).PeerFetchedBlobs, farm.Metrics(b).PeerFetchedBytes));
        Assert.Equal(1L, farm.Metrics(b).StepsPlaced(PlacementReason.Locality));

        // The same description run on A makes the same layer.
        var here = await farm.Engine(a).RunAsync(step, new StepSession(), CancellationToken.None);
        Assert.Equal(status.Result.LayerDigest, here.Layer!.Descriptor.Digest.ToString());
        Assert.Equal(0L, farm.Metrics(a).PeerFetchedBlobs);
    }

    [Fact]
    public async Task A_run_whose_coordinator_dropped_its_observer_ends_as_soon_as_it_is_cancelled_not_when_its_start_call_times_out()
    {
        // What a losing offer of a step sees: the coordinator gave the step to another silo,
        // cancelled this run and dropped its observer while this worker was asking to start.
        await using var farm = await FarmCluster.StartAsync(silos: 1, slots: 1);
        var a = farm.Silos[0];
        var step = await DescribeAsync(farm, a);
        var reference = farm.Cluster.Client.CreateObjectReference<IStepObserver>(new RecordingObserver());
        farm.Cluster.Client.DeleteObjectReference<IStepObserver>(reference);
        var worker = farm.Cluster.Client.GetGrain<IWorkerGrain>(FarmCluster.NameOf(a));

        var runId = await worker.StartStepAsync(new StepOrder { Description = step.ToJson(), Coordinator = FarmCluster.NameOf(a), Observer = reference });
        var asking = await worker.WaitStepAsync(runId, TimeSpan.FromSeconds(3));
        await worker.CancelStepAsync(runId);
        var cancelled = await worker.WaitStepAsync(runId, TimeSpan.FromSeconds(10)); // Orleans' response timeout is 30 s

        Assert.Equal(StepRunState.Running, asking.State);
        Assert.Equal(StepRunState.Cancelled, cancelled.State);
    }

    [Fact]
    public async Task A_worker_asked_about_a_run_it_does_not_know_says_so()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1);
        var worker = farm.Cluster.Client.GetGrain<IWorkerGrain>(FarmCluster.NameOf(farm.Silos[0]));

        var status = await worker.WaitStepAsync("no-such-run", TimeSpan.FromSeconds(1));

        Assert.Equal(new StepRunStatus(StepRunState.Unknown, null, null), status);
    }

    [Fact]
    public async Task A_worker_keyed_by_a_silo_that_is_not_in_the_cluster_cannot_be_placed()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1);

        var error = await Assert.ThrowsAsync<Orleans.Runtime.SiloUnavailableException>(
            () => farm.Cluster.Client.GetGrain<IWorkerGrain>("127.0.0.1:1").GetStatusAsync());

        Assert.Contains("No active silo is named 127.0.0.1:1: its worker cannot be placed.", error.Message, StringComparison.Ordinal);
    }

    // A's build of the Dockerfile, step 1 (the RUN), as its coordinator would describe it.
    private static async Task<StepDescription> DescribeAsync(FarmCluster farm, Orleans.TestingHost.InProcessSiloHandle coordinator)
    {
        var store = farm.Store(coordinator);
        var root = await farm.SendContextAsync(store, new Dictionary<string, string> { ["Dockerfile"] = Dockerfile });
        var manifest = store.Images.Get(FarmCluster.BusyboxName)!.Target.Digest;
        var image = ImageManifest.Parse(await StoredBlobs.ReadAsync(store, manifest));
        var config = ImageConfig.Parse(await StoredBlobs.ReadAsync(store, image.Config.Digest));
        return new StepDescription
        {
            Key = Digest.Sha256("worker-grain-test"u8.ToArray()),
            Build = new BuildInputs
            {
                Dockerfile = Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(Dockerfile)),
                DockerfileName = "Dockerfile",
                BaseImages = new Dictionary<string, Digest> { [FarmCluster.BusyboxName] = manifest },
                ContextTree = root,
                SourceDateEpoch = DateTimeOffset.UnixEpoch,
            },
            Step = new StepId(0, 1),
            Parents = [new LayerBlob(image.Layers.Single(), config.RootFs.DiffIds.Single(), 0)],
            InputLayers = [],
        };
    }

    private static async Task<Digest> ConfigOfAsync(ContentStore store, StepDescription step) =>
        ImageManifest.Parse(await StoredBlobs.ReadAsync(store, step.Build.BaseImages.Values.Single())).Config.Digest;

    // Bounded: a minute of ten-second waits at most.
    private static async Task<StepRunStatus> WaitAsync(IWorkerGrain worker, string runId)
    {
        for (var i = 0; i < 6; i++)
        {
            var status = await worker.WaitStepAsync(runId, TimeSpan.FromSeconds(10));
            if (status.State != StepRunState.Running)
            {
                return status;
            }
        }

        throw new TimeoutException($"Run {runId} did not end within a minute.");
    }
}
