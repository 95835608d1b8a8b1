using System.Diagnostics;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Grains.Blobs;

/// <summary>
/// Fetches small blobs from a holder in batches, one call to it at a time: the first ask goes at
/// once, and those made while a call is under way go together in the next
/// (<see cref="IWorkerGrain.ReadSmallBlobsAsync"/>), stored with one disk sync
/// (<see cref="ContentStore.WriteBatch"/>). The layers of a chain of cache hits are asked for
/// within a millisecond of each other: a stream each cost two or three round trips and a sync per
/// blob, which the holder's worker served one after another.
/// </summary>
internal sealed class SmallBlobBatches(IGrainFactory grains)
{
    // More asks than this wait for the next call: an answer stays well under a grain call's timeout.
    private const int MaxAsksPerCall = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Holder, ContentStore Store), List<Ask>> _waiting = [];

    /// <summary>
    /// Brings <paramref name="digest"/> from <paramref name="holder"/> into <paramref name="store"/>
    /// in a batch. Null when it did not come (the holder lacks it, it is too large for a batch, or
    /// its bytes did not match): ask for it by stream. A lost holder fails the call.
    /// </summary>
    public Task<FetchedBlob?> FetchAsync(ContentStore store, string holder, Digest digest)
    {
        var ask = new Ask(digest, new TaskCompletionSource<FetchedBlob?>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool idle;
        lock (_lock)
        {
            // A holder with a list of waiting asks has a sender; it takes this one in its next call.
            idle = !_waiting.TryGetValue((holder, store), out var waiting);
            if (idle)
            {
                _waiting[(holder, store)] = waiting = [];
            }

            waiting!.Add(ask);
        }

        if (idle)
        {
            _ = Task.Run(() => SendAllAsync(store, holder));
        }

        return ask.Fetched.Task;
    }

    private async Task SendAllAsync(ContentStore store, string holder)
    {
        while (true)
        {
            List<Ask> batch;
            lock (_lock)
            {
                var waiting = _waiting[(holder, store)];
                if (waiting.Count == 0)
                {
                    _waiting.Remove((holder, store));
                    return;
                }

                batch = waiting[..Math.Min(waiting.Count, MaxAsksPerCall)];
                waiting.RemoveRange(0, batch.Count);
            }

            var unanswered = await SendAsync(store, holder, batch).ConfigureAwait(false);
            lock (_lock)
            {
                _waiting[(holder, store)].InsertRange(0, unanswered);
            }
        }
    }

    // The asks the holder left for another call: those past what one call carries.
    private async Task<List<Ask>> SendAsync(ContentStore store, string holder, List<Ask> batch)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await grains.GetGrain<IWorkerGrain>(holder).ReadSmallBlobsAsync([.. batch.Select(ask => ask.Digest.ToString())]).ConfigureAwait(false);
            // The holder answers the first ask always; one that does not would be asked forever.
            var answered = Math.Max(1, Math.Min(answer.Length, batch.Count));
            var sent = Enumerable.Range(0, answered).Where(i => i < answer.Length && answer[i] is not null).ToList();
            var stored = store.WriteBatch([.. sent.Select(i => new BatchBlob(batch[i].Digest, answer[i]!.Length, answer[i]))]);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var fetched = new FetchedBlob?[answered];
            for (var j = 0; j < sent.Count; j++)
            {
                // A refused blob (its bytes did not match) stays missing, as one the holder lacked.
                fetched[sent[j]] = stored.Blobs[j].Blob is { } blob ? new FetchedBlob(blob.Size, elapsed) : null;
            }

            for (var i = 0; i < answered; i++)
            {
                batch[i].Fetched.SetResult(fetched[i]);
            }

            return batch[answered..];
        }
        catch (Exception e)
        {
            batch.ForEach(ask => ask.Fetched.TrySetException(e));
            return [];
        }
    }

    private sealed record Ask(Digest Digest, TaskCompletionSource<FetchedBlob?> Fetched);
}

/// <summary>A blob stored from a peer: its size and how long the transfer took.</summary>
internal sealed record FetchedBlob(long Bytes, TimeSpan Elapsed);
