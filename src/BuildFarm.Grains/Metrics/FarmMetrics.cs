using BuildFarm.Execution.Building;
using BuildFarm.Grains.Workers;
using BuildFarm.Storage.Content;
using Orleans.Runtime;
using Prometheus;

namespace BuildFarm.Grains.Metrics;

/// <summary>
/// The farm's metrics, in a registry of their own per silo, named as Prometheus asks
/// (<c>_total</c> counters, <c>_seconds</c> and <c>_bytes</c> units).
/// </summary>
public sealed class FarmMetrics
{
    private static readonly double[] DurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

    private readonly Counter _builds;
    private readonly Counter _steps;
    private readonly Histogram _stepDuration;
    private readonly Histogram _buildDuration;
    private readonly Counter _uploaded;
    private readonly Counter _evicted;
    private readonly Counter _fetchedBytes;
    private readonly Counter _fetchedBlobs;
    private readonly Histogram _fetchDuration;
    private readonly Counter _replicas;
    private readonly Counter _placed;

    /// <param name="membership">The cluster's membership as this silo sees it, for the silo counts; null outside a silo.</param>
    public FarmMetrics(ContentStore store, BuildEngine engine, IClusterMembershipService? membership = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(engine);
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _builds = factory.CreateCounter("buildfarm_builds_total", "Builds that ended, by outcome.", "outcome");
        _steps = factory.CreateCounter("buildfarm_steps_total", "Steps that ended, by outcome: hit (recorded result), joined (another build's run), run, failed.", "outcome");
        _stepDuration = factory.CreateHistogram("buildfarm_step_duration_seconds", "How long steps took, waits for a slot or a joined run included.", new HistogramConfiguration { Buckets = DurationBuckets, LabelNames = ["outcome"] });
        _buildDuration = factory.CreateHistogram("buildfarm_build_duration_seconds", "How long builds took, by outcome.", new HistogramConfiguration { Buckets = DurationBuckets, LabelNames = ["outcome"] });
        _uploaded = factory.CreateCounter("buildfarm_uploaded_bytes_total", "Bytes of context blobs clients uploaded.");
        _evicted = factory.CreateCounter("buildfarm_evicted_bytes_total", "Bytes of blobs evicted from the store (by eviction or farm prune).");
        _fetchedBytes = factory.CreateCounter("buildfarm_peer_fetched_bytes_total", "Bytes of blobs this silo fetched from other silos.");
        _fetchedBlobs = factory.CreateCounter("buildfarm_peer_fetched_blobs_total", "Blobs this silo fetched from other silos.");
        _fetchDuration = factory.CreateHistogram("buildfarm_peer_fetch_duration_seconds", "How long fetching one blob from another silo took.", new HistogramConfiguration { Buckets = DurationBuckets });
        _replicas = factory.CreateCounter("buildfarm_replicas_made_total", "Layer replicas made for steps this silo coordinated (on itself or other silos), beyond the silo that ran the step.");
        _placed = factory.CreateCounter("buildfarm_steps_placed_total", "Steps placed on this silo to run, by why: locality (it held their inputs), slots (it had a free slot) or first_free_slot (no silo had one, and this one's came free first).", "reason");
        store.Evicted += eviction => _evicted.Inc(eviction.BytesEvicted);
        var stored = factory.CreateGauge("buildfarm_stored_bytes", "Bytes of blobs in the silo's store.");
        var queued = factory.CreateGauge("buildfarm_step_queue_depth", "Steps waiting for a free slot on this silo.");
        var running = factory.CreateGauge("buildfarm_running_steps", "Steps running on this silo.");
        var silos = factory.CreateGauge("buildfarm_cluster_silos", "Silos of the cluster as this silo sees them, by membership status (active, dead, ...).", "status");
        Registry.AddBeforeCollectCallback(() =>
        {
            stored.Set(store.TotalBytes);
            queued.Set(engine.QueuedSteps);
            running.Set(engine.RunningSteps);
            if (membership is not null)
            {
                // Every status, so that one no silo has any more reads 0 rather than its last count.
                var members = membership.CurrentSnapshot.Members.Values;
                foreach (var status in Enum.GetValues<SiloStatus>().Where(status => status != SiloStatus.None))
                {
                    silos.WithLabels(status.ToString().ToLowerInvariant()).Set(members.Count(member => member.Status == status));
                }
            }
        });
    }

    public CollectorRegistry Registry { get; }

    public void BuildEnded(string outcome, TimeSpan duration)
    {
        _builds.WithLabels(outcome).Inc();
        _buildDuration.WithLabels(outcome).Observe(duration.TotalSeconds);
    }

    public void StepEnded(StepOutcome outcome, TimeSpan duration)
    {
        var name = outcome switch
        {
            StepOutcome.Cached => "hit",
            StepOutcome.Joined => "joined",
            StepOutcome.Ran => "run",
            _ => null,
        };
        if (name is not null)
        {
            _steps.WithLabels(name).Inc();
            _stepDuration.WithLabels(name).Observe(duration.TotalSeconds);
        }
    }

    public void StepFailed() => _steps.WithLabels("failed").Inc();

    public void Uploaded(long bytes) => _uploaded.Inc(bytes);

    public void BlobFetched(long bytes, TimeSpan duration)
    {
        _fetchedBytes.Inc(bytes);
        _fetchedBlobs.Inc();
        _fetchDuration.Observe(duration.TotalSeconds);
    }

    public void ReplicaMade() => _replicas.Inc();

    public void StepPlaced(PlacementReason reason) => _placed.WithLabels(ReasonLabel(reason)).Inc();

    /// <summary>Bytes of blobs fetched from other silos so far.</summary>
    public long PeerFetchedBytes => (long)_fetchedBytes.Value;

    /// <summary>Blobs fetched from other silos so far.</summary>
    public long PeerFetchedBlobs => (long)_fetchedBlobs.Value;

    /// <summary>Layer replicas made so far for steps this silo coordinated.</summary>
    public long ReplicasMade => (long)_replicas.Value;

    /// <summary>Steps placed on this silo so far for <paramref name="reason"/>.</summary>
    public long StepsPlaced(PlacementReason reason) => (long)_placed.WithLabels(ReasonLabel(reason)).Value;

    private static string ReasonLabel(PlacementReason reason) => reason switch
    {
        PlacementReason.Locality => "locality",
        PlacementReason.FreeSlots => "slots",
        _ => "first_free_slot",
    };
}
