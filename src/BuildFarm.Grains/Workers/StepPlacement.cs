using System.Collections.Concurrent;
using BuildFarm.Execution.Steps;
using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Layers;
using Orleans.Runtime;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// Chooses the silo a step runs on: the one that holds its parent layer chain and most of its
/// input bytes (from the layers' <see cref="ILayerGrain"/> locations), unless its slots are full;
/// then the best placed silo with a free slot. When no silo has a free slot, the step waits in
/// the queue of every silo and runs on the first whose slot comes free (Sparrow's late binding):
/// bound to one silo's queue early, it would wait there while another silo went idle. Layers
/// nobody is recorded to hold (base images) count as held by this silo, which coordinates the
/// build and so has them. Decisions are made one at a time, and a silo counts the steps this silo
/// placed on it that have not ended, so that steps placed at once do not all see the same free slot.
/// </summary>
/// <param name="localStatus">This silo's status, read from its engine rather than through a grain call.</param>
public sealed class StepPlacement(IGrainFactory grains, ClusterSilos silos, Func<WorkerStatus> localStatus)
{
    // A silo that does not answer this soon is left out of this placement.
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _deciding = new(1, 1);
    private readonly ConcurrentDictionary<string, int> _placed = new(StringComparer.Ordinal);

    /// <summary>Places the step on a silo other than <paramref name="excluded"/> ones; dispose the result when the step has ended there.</summary>
    public async Task<PlacedStep> PlaceAsync(StepDescription step, IReadOnlySet<string> excluded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(excluded);
        var candidates = silos.Active().Where(silo => silo == Self || !excluded.Contains(silo)).ToList();
        var locality = await LocalityAsync(step, candidates).ConfigureAwait(false);
        await _deciding.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var statuses = await Task.WhenAll(candidates.Select(StatusAsync)).ConfigureAwait(false);
            var free = statuses.Where(status => status is not null).ToDictionary(status => status!.Silo, FreeSlots, StringComparer.Ordinal);
            var ranked = free.Keys
                .OrderByDescending(silo => locality[silo])
                .ThenBy(silo => silo == Self ? 0 : 1)
                .ThenByDescending(silo => free[silo])
                .ThenBy(silo => silo, StringComparer.Ordinal)
                .ToList();
            var best = ranked.Count > 0 ? ranked[0] : Self;
            var chosen = ranked.FirstOrDefault(silo => free[silo] > 0);
            var placed = chosen is null
                ? new PlacedStep(this, ranked.Count > 1 ? ranked : [best], ranked.Count > 1 ? PlacementReason.FirstFreeSlot : PlacementReason.Locality)
                : locality[chosen] == locality[best] && locality[best].Bytes > 0
                    ? new PlacedStep(this, [chosen], PlacementReason.Locality)
                    : new PlacedStep(this, [chosen], PlacementReason.FreeSlots);
            foreach (var silo in placed.Silos)
            {
                _placed.AddOrUpdate(silo, 1, (_, count) => count + 1);
            }

            return placed;
        }
        finally
        {
            _deciding.Release();
        }
    }

    internal void Ended(string silo) => _placed.AddOrUpdate(silo, 0, (_, count) => Math.Max(0, count - 1));

    private int FreeSlots(WorkerStatus? status) =>
        status!.Slots - Math.Max(status.RunningSteps + status.QueuedSteps, _placed.GetValueOrDefault(status.Silo));

    private string Self => silos.Self;

    private async Task<WorkerStatus?> StatusAsync(string silo)
    {
        if (silo == Self)
        {
            return localStatus();
        }

        try
        {
            return await grains.GetGrain<IWorkerGrain>(silo).GetStatusAsync().WaitAsync(StatusTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (SiloLoss.IsSiloLost(e))
        {
            return null;
        }
    }

    private async Task<Dictionary<string, Locality>> LocalityAsync(StepDescription step, IReadOnlyList<string> candidates)
    {
        var parents = step.Parents.Select(layer => layer.Descriptor).ToList();
        var layers = parents.Concat(step.InputLayers.SelectMany(input => input ?? []).Select(layer => layer.Descriptor)).DistinctBy(layer => layer.Digest).ToList();
        var holders = await Task.WhenAll(layers.Select(async layer =>
        {
            var info = await SiloLoss.RetryAsync(() => grains.GetGrain<ILayerGrain>(layer.Digest.ToString()).GetAsync(), CancellationToken.None).ConfigureAwait(false);
            var active = (info?.Silos ?? []).Where(candidates.Contains).ToHashSet(StringComparer.Ordinal);
            return (layer, Holders: active.Count > 0 ? active : [Self]);
        })).ConfigureAwait(false);
        var parentDigests = parents.Select(parent => parent.Digest).ToHashSet();
        return candidates.ToDictionary(
            silo => silo,
            silo => new Locality(
                holders.Where(held => parentDigests.Contains(held.layer.Digest)).All(held => held.Holders.Contains(silo)),
                holders.Where(held => held.Holders.Contains(silo)).Sum(held => held.layer.Size)),
            StringComparer.Ordinal);
    }

    /// <summary>How well a silo is placed for a step: whether it holds the whole parent chain, then how many of the step's layer bytes it holds.</summary>
    private readonly record struct Locality(bool HoldsParents, long Bytes) : IComparable<Locality>
    {
        public int CompareTo(Locality other) =>
            HoldsParents != other.HoldsParents ? HoldsParents.CompareTo(other.HoldsParents) : Bytes.CompareTo(other.Bytes);
    }
}

/// <summary>
/// Where a step was placed and why: one silo, or (<see cref="PlacementReason.FirstFreeSlot"/>)
/// every silo, best placed first, of which the first to free a slot runs it. Releasing a silo,
/// or disposing this for all of them, says the step no longer waits or runs there.
/// </summary>
public sealed class PlacedStep : IDisposable
{
    private readonly StepPlacement _placement;
    private readonly HashSet<string> _held;

    public PlacedStep(StepPlacement placement, IReadOnlyList<string> silos, PlacementReason reason)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(silos);
        _placement = placement;
        Silos = silos;
        Reason = reason;
        _held = new HashSet<string>(silos, StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Silos { get; }

    /// <summary>The silo of a step placed on one, or the best placed of several.</summary>
    public string Silo => Silos[0];

    public PlacementReason Reason { get; }

    /// <summary>The step no longer waits or runs on <paramref name="silo"/>.</summary>
    public void Release(string silo)
    {
        lock (_held)
        {
            if (!_held.Remove(silo))
            {
                return;
            }
        }

        _placement.Ended(silo);
    }

    public void Dispose()
    {
        foreach (var silo in Silos)
        {
            Release(silo);
        }
    }
}
