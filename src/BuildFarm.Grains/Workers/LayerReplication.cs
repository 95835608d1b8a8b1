using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Metrics;
using BuildFarm.Grains.Steps;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// Copies the layer a step made to enough silos before its result counts as recorded, so losing a
/// silo loses no cache entry (and the blobs of a named image, so that it loses no image): this silo first (it coordinates the build, which reads the layer and
/// exports it), then others, until <c>replicas</c> silos hold it (as many as are active, if fewer).
/// Every holder is recorded on the layer's <see cref="ILayerGrain"/>. The metrics are asked for
/// late: they read the build engine, whose base images' names replicate through this.
/// </summary>
public sealed partial class LayerReplication(
    IGrainFactory grains,
    ClusterSilos silos,
    ContentStore content,
    IBlobSource blobs,
    int replicas,
    Func<FarmMetrics> metrics,
    ILogger<LayerReplication> logger)
{
    // Each call waits at most this long; a layer takes as many calls as its transfer needs, up to the bound below.
    private static readonly TimeSpan ReplicateSlice = TimeSpan.FromSeconds(10);
    private const int MaxSlices = 90;

    public Task ReplicateAsync(CachedStep result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Layer is { } layer
            ? ReplicateAsync(layer.Descriptor.Digest, GrainStepCache.ToLayerInfo(layer), result.Worker, cancellationToken)
            : Task.CompletedTask;
    }

    /// <summary>Copies the blob <paramref name="digest"/>, which <paramref name="holder"/> has, until enough silos hold it.</summary>
    public async Task ReplicateAsync(Digest digest, LayerInfo info, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        var self = silos.Self;
        var active = silos.Active();
        var location = grains.GetGrain<ILayerGrain>(digest.ToString());

        // Equal inputs make equal layers (a COPY of a file another stage's RUN made is often the
        // same layer): silos that hold it already count.
        var known = await SiloLoss.RetryAsync(location.GetAsync, cancellationToken).ConfigureAwait(false);
        var holders = (known?.Silos ?? []).Where(active.Contains).Prepend(holder).Distinct(StringComparer.Ordinal).ToList();

        // Others in an order fixed by the digest, so replicas spread over the silos.
        var others = active
            .Where(silo => silo != self && !holders.Contains(silo))
            .OrderBy(silo => Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(digest + silo)).ToString(), StringComparer.Ordinal);
        foreach (var target in new[] { self }.Where(silo => !holders.Contains(silo)).Concat(others).ToList())
        {
            if (holders.Count >= replicas && holders.Contains(self))
            {
                break;
            }

            if (await CopyToAsync(target, digest, holder, cancellationToken).ConfigureAwait(false))
            {
                holders.Add(target);
                metrics().ReplicaMade();
                LogReplicated(logger, digest, target, holder);
            }
        }

        if (holders.Count < Math.Min(replicas, active.Count))
        {
            LogTooFewReplicas(logger, digest, holders.Count, replicas);
        }

        foreach (var listed in holders.Where(silo => known?.Silos.Contains(silo, StringComparer.Ordinal) != true))
        {
            await SiloLoss.RetryAsync(() => location.RecordAsync(info, listed), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> CopyToAsync(string target, Digest digest, string holder, CancellationToken cancellationToken)
    {
        if (target == silos.Self)
        {
            return await blobs.FetchAsync(content, digest, holder, cancellationToken).ConfigureAwait(false);
        }

        var worker = grains.GetGrain<IWorkerGrain>(target);
        try
        {
            for (var slice = 0; slice < MaxSlices; slice++)
            {
                if (await worker.ReplicateAsync(digest.ToString(), holder, ReplicateSlice).WaitAsync(cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (SiloLoss.IsSiloLost(e))
        {
            LogReplicaFailed(logger, digest, target, e);
        }

        return false;
    }
}
