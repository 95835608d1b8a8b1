using System.Collections.Concurrent;
using BuildFarm.Execution.Building;
using BuildFarm.Oci;
using BuildFarm.Storage.Pruning;
using BuildFarm.Storage.Steps;

namespace BuildFarm.Execution.Caching;

/// <summary>
/// Step results on this machine's disk (<c>&lt;data-dir&gt;/steps/</c>); builds in this process
/// that need the same key at the same time share one run. Every lookup reads the disk, so a
/// record cleared by <c>farm prune --all</c> is gone for the next step at once.
/// </summary>
public sealed class LocalStepCache(StepRecordStore records, TimeProvider? timeProvider = null) : IStepCache, IStepRecordSet
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<Digest, Task<CachedStep>> _running = new();

    // Every lookup is a read of this machine's disk: there is no chain of them to shorten, so
    // `after` is not needed.
    public async Task<(CachedStep Result, StepOutcome Outcome)> ResolveAsync(
        Digest key,
        Digest? after,
        bool reuse,
        Func<CachedStep, bool> isUsable,
        Func<CancellationToken, Task<CachedStep>> run,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isUsable);
        ArgumentNullException.ThrowIfNull(run);
        while (true)
        {
            if (reuse && Find(key) is { } recorded && isUsable(recorded))
            {
                return (recorded, StepOutcome.Cached);
            }

            var mine = new TaskCompletionSource<CachedStep>(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = _running.GetOrAdd(key, mine.Task);
            if (running != mine.Task)
            {
                try
                {
                    return (await running.WaitAsync(cancellationToken).ConfigureAwait(false), StepOutcome.Joined);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    continue; // the build running it was cancelled, not this one: run it here
                }
            }

            try
            {
                var result = await run(cancellationToken).ConfigureAwait(false);
                Record(key, result);
                mine.SetResult(result);
                return (result, StepOutcome.Ran);
            }
            catch (OperationCanceledException e)
            {
                mine.SetCanceled(e.CancellationToken);
                throw;
            }
            catch (Exception e)
            {
                mine.SetException(e);
                throw;
            }
            finally
            {
                _running.TryRemove(new KeyValuePair<Digest, Task<CachedStep>>(key, mine.Task));
            }
        }
    }

    public Task<IReadOnlyList<RecordedStep>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RecordedStep>>([.. records.List().Select(static stored => new RecordedStep(ToCached(stored.Record).Layer, stored.Bytes))]);

    public Task<Amount> ClearAsync(CancellationToken cancellationToken = default) => Task.FromResult(records.Clear());

    private CachedStep? Find(Digest key) => records.Find(key) is { } record ? ToCached(record) : null;

    private static CachedStep ToCached(StepRecord record) =>
        CachedStep.FromRecord(record.LayerDigest, record.LayerMediaType, record.LayerSize, record.DiffId, record.UncompressedSize, record.Worker);

    private void Record(Digest key, CachedStep step)
    {
        var layer = step.Layer;
        records.Record(key, new StepRecord(
            layer?.Descriptor.Digest.ToString(),
            layer?.Descriptor.MediaType,
            layer?.Descriptor.Size ?? 0,
            layer?.DiffId.ToString(),
            layer?.UncompressedSize ?? 0,
            _time.GetUtcNow(),
            step.Worker));
    }
}
