using BuildFarm.Execution.Building;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// The worker of the silo it lives on (<see cref="WorkerPlacementAttribute"/>): reports the
/// silo's build engine, runs steps on it for builds coordinated anywhere, and serves and takes in
/// blobs of its store for its peers.
/// </summary>
[WorkerPlacement]
public sealed class WorkerGrain(BuildEngine engine, LocalStepRuns runs, ContentStore content, IBlobSource blobs) : Grain, IWorkerGrain
{
    /// <summary>How much of a blob one call carries.</summary>
    public const int ChunkBytes = 1024 * 1024;

    public Task<WorkerStatus> GetStatusAsync() =>
        Task.FromResult(new WorkerStatus(this.GetPrimaryKeyString(), engine.RunningSteps, engine.QueuedSteps, engine.Options.MaxConcurrentSteps));

    public Task<string> StartStepAsync(StepOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);

        // The placement director puts this grain on the silo its key names; a silo whose engine
        // carries another name is misconfigured, and its steps' events would name the wrong silo.
        if (this.GetPrimaryKeyString() != engine.Options.WorkerName)
        {
            throw new InvalidOperationException($"The worker {this.GetPrimaryKeyString()} lives on a silo whose engine is named {engine.Options.WorkerName}.");
        }

        return Task.FromResult(runs.Start(order));
    }

    public Task<StepRunStatus> WaitStepAsync(string runId, TimeSpan maxWait) => runs.WaitAsync(runId, maxWait);

    public Task CancelStepAsync(string runId) => runs.CancelAsync(runId);

    public async IAsyncEnumerable<byte[]> ReadBlobAsync(string digest)
    {
        var parsed = Digest.Parse(digest);
        if (!content.Exists(parsed))
        {
            yield break;
        }

        await using var stream = content.OpenRead(parsed);
        for (var remaining = stream.Length; remaining > 0;)
        {
            // Most blobs are far smaller than a chunk: each gets a buffer of its own size.
            var chunk = new byte[(int)Math.Min(ChunkBytes, remaining)];
            remaining -= chunk.Length;
            await ReadChunkAsync(stream, chunk, last: remaining == 0);
            yield return chunk;
        }
    }

    public async Task<byte[]?[]> ReadSmallBlobsAsync(string[] digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        var blobs = new List<byte[]?>(digests.Length);
        var room = (long)IWorkerGrain.SmallBlobBytes;
        foreach (var digest in digests.Select(Digest.Parse))
        {
            var size = content.GetInfo(digest)?.Size;
            if (size > room && size <= IWorkerGrain.SmallBlobBytes)
            {
                break; // it fits a call of its own: the next
            }

            // Null for one this store lacks, and for one that only a stream carries.
            var bytes = size <= IWorkerGrain.SmallBlobBytes ? await ReadWholeAsync(digest) : null;
            blobs.Add(bytes);
            room -= bytes?.Length ?? 0;
        }

        return [.. blobs];
    }

    // Null when it is gone since it was looked up (the store's BlobNotFoundException) or corrupt.
    private async Task<byte[]?> ReadWholeAsync(Digest digest)
    {
        try
        {
            await using var stream = content.OpenRead(digest);
            var bytes = new byte[stream.Length];
            await ReadChunkAsync(stream, bytes, last: true);
            return bytes;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The stream verifies the blob's size and digest once it is read to its end: a corrupt blob
    // fails the transfer (and is dropped from this store) before its last chunk goes out. The
    // caller gets an IOException: the store's own exception has no codec to cross to it.
    private static async Task ReadChunkAsync(BlobReadStream stream, byte[] chunk, bool last)
    {
        try
        {
            await stream.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false);
            if (last)
            {
                await stream.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false);
            }
        }
        catch (CorruptBlobException e)
        {
            throw new IOException(e.Message);
        }
    }

    public async Task<bool> ReplicateAsync(string digest, string holder, TimeSpan maxWait)
    {
        var parsed = Digest.Parse(digest);
        if (content.Exists(parsed))
        {
            return true;
        }

        var transfer = blobs.FetchAsync(content, parsed, holder, CancellationToken.None);
        try
        {
            await transfer.WaitAsync(maxWait);
        }
        catch (TimeoutException)
        {
            return false;
        }

        return await transfer;
    }
}
