using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Layers;
using BuildFarm.Oci;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// The farm-wide step cache: each key's <see cref="ICacheKeyGrain"/> says whether the step is
/// recorded, runs somewhere (then this caller waits for it, a bounded call at a time), or is this
/// caller's to run. Layers made or reused are noted on their <see cref="ILayerGrain"/>.
/// </summary>
public sealed class GrainStepCache(IGrainFactory grains, string silo) : IStepCache
{
    // Below Orleans' 30 s response timeout, so no call is held open past it.
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(10);

    public async Task<(CachedStep Result, StepOutcome Outcome)> ResolveAsync(
        Digest key,
        bool reuse,
        Func<CachedStep, bool> isUsable,
        Func<CancellationToken, Task<CachedStep>> run,
        CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<ICacheKeyGrain>(key.ToString());
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var claim = await grain.ClaimAsync(silo, reuse).WaitAsync(cancellationToken).ConfigureAwait(false);
            switch (claim.Kind)
            {
                case StepClaimKind.Recorded:
                    var recorded = ToCached(claim.Result!);
                    if (isUsable(recorded))
                    {
                        await NoteLayerAsync(recorded).ConfigureAwait(false);
                        return (recorded, StepOutcome.Cached);
                    }

                    reuse = false; // its blobs are gone: run it again
                    break;
                case StepClaimKind.Running:
                    if (await JoinAsync(grain, cancellationToken).ConfigureAwait(false) is { } joined)
                    {
                        return (joined, StepOutcome.Joined);
                    }

                    break;
                default:
                    return (await RunAsync(grain, claim.Token!, run, cancellationToken).ConfigureAwait(false), StepOutcome.Ran);
            }
        }
    }

    // Null when the run was abandoned (cancelled): the caller claims again.
    private static async Task<CachedStep?> JoinAsync(ICacheKeyGrain grain, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = await grain.WaitAsync(WaitSlice).WaitAsync(cancellationToken).ConfigureAwait(false);
            switch (wait.Kind)
            {
                case StepWaitKind.Completed:
                    return ToCached(wait.Result!);
                case StepWaitKind.Failed:
                    throw new JoinedStepFailedException(wait.Error!);
                case StepWaitKind.Abandoned:
                    return null;
            }
        }
    }

    private async Task<CachedStep> RunAsync(ICacheKeyGrain grain, string token, Func<CancellationToken, Task<CachedStep>> run, CancellationToken cancellationToken)
    {
        CachedStep result;
        try
        {
            result = await run(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whoever waits for this run must learn how it ended, whatever this caller's token says.
            await grain.AbandonAsync(token, e is OperationCanceledException ? null : e.Message).ConfigureAwait(false);
            throw;
        }

        await grain.CompleteAsync(token, ToRecord(result)).ConfigureAwait(false);
        await NoteLayerAsync(result).ConfigureAwait(false);
        return result;
    }

    private Task NoteLayerAsync(CachedStep step) =>
        step.Layer is { } layer
            ? grains.GetGrain<ILayerGrain>(layer.Descriptor.Digest.ToString()).RecordAsync(
                new LayerInfo { MediaType = layer.Descriptor.MediaType, Size = layer.Descriptor.Size, DiffId = layer.DiffId.ToString() },
                silo)
            : Task.CompletedTask;

    private static StepRecordData ToRecord(CachedStep step) => new()
    {
        LayerDigest = step.Layer?.Descriptor.Digest.ToString(),
        LayerMediaType = step.Layer?.Descriptor.MediaType,
        LayerSize = step.Layer?.Descriptor.Size ?? 0,
        DiffId = step.Layer?.DiffId.ToString(),
        UncompressedSize = step.Layer?.UncompressedSize ?? 0,
        Silo = step.Worker,
    };

    internal static CachedStep ToCached(StepRecordData record) =>
        CachedStep.FromRecord(record.LayerDigest, record.LayerMediaType, record.LayerSize, record.DiffId, record.UncompressedSize, record.Silo ?? string.Empty);
}

/// <summary>The run this step joined failed; its message is that run's error.</summary>
public sealed class JoinedStepFailedException(string error) : Exception(error);
