using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Metrics;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace BuildFarm.Grains.Blobs;

/// <summary>
/// Fetches blobs this silo lacks from the silos that hold them, never asking every silo: the hint
/// first (the silo that ran the step, or coordinates the build), in a batch of the small blobs
/// asked of it at about the same time (<see cref="SmallBlobBatches"/>); then the holders a blob's
/// <see cref="ILayerGrain"/> records, and the hint again, by stream
/// (<see cref="IWorkerGrain.ReadBlobAsync"/>, at most two chunks a call). Bytes count as present
/// only once their digest is verified. Concurrent fetches of one blob on this silo share one
/// transfer.
/// </summary>
public sealed partial class PeerBlobSource(
    IGrainFactory grains,
    ClusterSilos silos,
    Func<FarmMetrics> metrics,
    ILogger<PeerBlobSource> logger) : IBlobSource
{
    private readonly ConcurrentDictionary<Digest, Lazy<Task<bool>>> _transfers = new();
    private readonly SmallBlobBatches _batches = new(grains);

    public async Task<bool> FetchAsync(ContentStore store, Digest digest, string? hint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Exists(digest))
        {
            return true;
        }

        // The transfer belongs to every asker: one caller giving up does not stop it for the rest.
        var transfer = _transfers.GetOrAdd(digest, d => new Lazy<Task<bool>>(() => TransferAsync(store, d, hint)));
        try
        {
            return await transfer.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (transfer.Value.IsCompleted)
            {
                _transfers.TryRemove(KeyValuePair.Create(digest, transfer));
            }
        }
    }

    // A silo that died and is not yet declared dead fails more than the calls it should answer:
    // the grain directory's share it kept cannot place any grain, a live holder's worker among
    // them. A transfer so interrupted is made again, from holders asked again, until membership
    // has caught up (SiloLoss's bound); one that finds no holder with the blob ends at once.
    private async Task<bool> TransferAsync(ContentStore store, Digest digest, string? hint)
    {
        await Task.Yield(); // not on the first asker's stack
        try
        {
            return await SiloLoss.RetryAsync(() => FetchFromAnyHolderAsync(store, digest, hint), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (SiloLoss.IsSiloLost(e))
        {
            LogInterrupted(logger, digest, e);
            return store.Exists(digest);
        }
    }

    // True once fetched, false when no active holder has the blob; the silo loss that interrupted
    // a fetch, when nothing was fetched.
    private async Task<bool> FetchFromAnyHolderAsync(ContentStore store, Digest digest, string? hint)
    {
        // The hint most often holds it (it ran the step, or coordinates the build): asked first, in
        // a batch with what else this silo needs of it now, without a call to the blob's grain.
        if (silos.ActivePeersAmong([hint]) is [var likely] && await FetchInBatchAsync(store, digest, likely).ConfigureAwait(false))
        {
            return true;
        }

        var layer = await grains.GetGrain<ILayerGrain>(digest.ToString()).GetAsync().ConfigureAwait(false);
        var holders = silos.ActivePeersAmong((layer?.Silos ?? []).Append(hint));
        Exception? interruption = null;
        foreach (var holder in holders)
        {
            try
            {
                if (await FetchFromAsync(store, digest, holder).ConfigureAwait(false))
                {
                    // Without a record (a context file) there is no list to be on: no call.
                    if (layer is not null)
                    {
                        _ = ListAsHolderAsync(digest);
                    }

                    return true;
                }

                // Listed, but it lost the blob (its store was emptied): no one should ask it again.
                if (layer?.Silos.Contains(holder, StringComparer.Ordinal) == true)
                {
                    await SiloLoss.RetryAsync(() => grains.GetGrain<ILayerGrain>(digest.ToString()).ReleaseReplicaAsync(holder, needed: false), CancellationToken.None).ConfigureAwait(false);
                    LogHolderUnlisted(logger, digest, holder);
                }
            }
            catch (Exception e) when (SiloLoss.IsSiloLost(e) || e is BlobMismatchException or IOException)
            {
                LogFetchFailed(logger, digest, holder, e);
                interruption = SiloLoss.IsSiloLost(e) ? e : interruption;
            }
        }

        if (store.Exists(digest))
        {
            return true; // stored meanwhile by another writer on this silo
        }

        if (interruption is not null)
        {
            ExceptionDispatchInfo.Throw(interruption);
        }

        LogNoHolder(logger, digest, holders.Count);
        return false;
    }

    // False when the holder sent nothing of it: it lacks the blob, the blob is too large for a
    // batch, or its bytes did not match. A lost holder interrupts the fetch (it is made again).
    private async Task<bool> FetchInBatchAsync(ContentStore store, Digest digest, string holder)
    {
        FetchedBlob? fetched;
        try
        {
            fetched = await _batches.FetchAsync(store, holder, digest).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            LogFetchFailed(logger, digest, holder, e);
            return false;
        }

        if (fetched is null)
        {
            return false;
        }

        Fetched(digest, fetched, holder);
        _ = ListAsHolderAsync(digest);
        return true;
    }

    // A blob that has a grain's record (a layer, or a blob a named image reaches) lists this silo,
    // after the fetch has returned: what fetched it reads it meanwhile, and a holder not listed yet
    // is only not asked for it.
    private async Task ListAsHolderAsync(Digest digest)
    {
        try
        {
            await SiloLoss.RetryAsync(() => grains.GetGrain<ILayerGrain>(digest.ToString()).AddHolderAsync(silos.Self), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogNotListed(logger, digest, e);
        }
    }

    private void Fetched(Digest digest, FetchedBlob fetched, string holder)
    {
        metrics().BlobFetched(fetched.Bytes, fetched.Elapsed);
        LogFetched(logger, digest, fetched.Bytes, holder, fetched.Elapsed.TotalMilliseconds);
    }

    private async Task<bool> FetchFromAsync(ContentStore store, Digest digest, string holder)
    {
        var started = Stopwatch.GetTimestamp();
        using var writer = store.BeginWrite(digest);
        var chunks = 0;
        await foreach (var chunk in grains.GetGrain<IWorkerGrain>(holder).ReadBlobAsync(digest.ToString()).WithBatchSize(IWorkerGrain.ChunksPerCall).ConfigureAwait(false))
        {
            await writer.WriteAsync(chunk).ConfigureAwait(false);
            chunks++;
        }

        if (chunks == 0 && digest != EmptyBlob)
        {
            return false; // the holder no longer has it
        }

        await writer.CommitAsync().ConfigureAwait(false);
        Fetched(digest, new FetchedBlob(writer.BytesWritten, Stopwatch.GetElapsedTime(started)), holder);
        return true;
    }

    private static readonly Digest EmptyBlob = Digest.Sha256([]);
}
