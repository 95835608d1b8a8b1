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

        // The stream verifies the digest as it reads: a corrupt blob fails the transfer at its end.
        await using var stream = content.OpenRead(parsed);
        while (true)
        {
            var chunk = new byte[ChunkBytes];
            var filled = await stream.ReadAtLeastAsync(chunk, ChunkBytes, throwOnEndOfStream: false);
            if (filled == 0)
            {
                yield break;
            }

            yield return filled == ChunkBytes ? chunk : chunk[..filled];
            if (filled < ChunkBytes)
            {
                yield break;
            }
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
