using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Steps;
using BuildFarm.Grains.Internal;
using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// The farm-wide step cache: each key's <see cref="ICacheKeyGrain"/> says whether the step is
/// recorded, runs somewhere (then this caller waits for it, a bounded call at a time), or is this
/// caller's to run — a claim it renews while the step runs. A recorded layer this silo lacks
/// counts when a silo that is up holds it, and is fetched when read. Layers this silo holds are
/// noted on their <see cref="ILayerGrain"/>. Each key is noted on the grain of the key it
/// followed, whose recorded claims then bring its record along (<see cref="FollowedSteps"/>).
/// </summary>
/// <param name="content">This silo's store: what it holds, and what peers hold, is what the build can use.</param>
/// <param name="peers">The silos whose layers this silo can fetch; null for a silo that uses only its own store.</param>
/// <param name="claimLease">How long a claim lasts unrenewed (<see cref="Hosting.BuildFarmClusterOptions.ClaimLease"/>); it is renewed a third of this apart.</param>
public sealed class GrainStepCache(IGrainFactory grains, string silo, ContentStore content, ClusterSilos? peers, TimeSpan claimLease) : IStepCache
{
    // Below Orleans' 30 s response timeout, so no call is held open past it.
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(10);

    private readonly FollowedSteps _followed = new();

    public async Task<(CachedStep Result, StepOutcome Outcome)> ResolveAsync(
        Digest key,
        Digest? after,
        bool reuse,
        Func<CachedStep, bool> isUsable,
        Func<CancellationToken, Task<CachedStep>> run,
        CancellationToken cancellationToken)
    {
        _followed.Resolving(key);
        if (reuse && _followed.Find(after, key) is { } followed)
        {
            var recorded = ToCached(followed.Result);
            if (await IsUsableAsync(recorded, isUsable, followed.LayerHolders, cancellationToken).ConfigureAwait(false))
            {
                _followed.Followed(after!.Value, key);
                await NoteLayerAsync(recorded).ConfigureAwait(false);
                return (recorded, StepOutcome.Cached);
            }
        }

        var grain = grains.GetGrain<ICacheKeyGrain>(key.ToString());
        if (after is { } previous)
        {
            _ = NoteFollowerAsync(previous, key);
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A claim made twice (the first answer lost with a silo) is this caller's own run,
            // which it then joins until the lease lapses: slower, never wrong.
            var claim = await SiloLoss.RetryAsync(() => grain.ClaimAsync(silo, reuse), cancellationToken).ConfigureAwait(false);
            switch (claim.Kind)
            {
                case StepClaimKind.Recorded:
                    var recorded = ToCached(claim.Result!);
                    if (await IsUsableAsync(recorded, isUsable, claim.LayerHolders ?? [], cancellationToken).ConfigureAwait(false))
                    {
                        _followed.Claimed(key, claim.Following);
                        await NoteLayerAsync(recorded).ConfigureAwait(false);
                        return (recorded, StepOutcome.Cached);
                    }

                    reuse = false; // its blobs are gone: run it again
                    break;
                case StepClaimKind.Running:
                    if (await JoinAsync(grain, cancellationToken).ConfigureAwait(false) is { } joined
                        && await IsUsableAsync(joined, isUsable, holders: null, cancellationToken).ConfigureAwait(false))
                    {
                        return (joined, StepOutcome.Joined);
                    }

                    break;
                default:
                    return (await RunAsync(grain, claim.Token!, run, cancellationToken).ConfigureAwait(false), StepOutcome.Ran);
            }
        }
    }

    // A result is usable when its layer is here, or another silo that is up holds it: it is
    // fetched when something reads it (a step above it, an export, a push), so a build that hits
    // throughout copies nothing. A holder that lost it is unlisted when a fetch finds out. A
    // recorded result's claim names the holders; a joined run's are asked of the layer's grain.
    private async Task<bool> IsUsableAsync(CachedStep step, Func<CachedStep, bool> isUsable, IReadOnlyList<string>? holders, CancellationToken cancellationToken)
    {
        if (isUsable(step))
        {
            return true;
        }

        if (peers is null || step.Layer is not { } layer)
        {
            return false;
        }

        holders ??= (await SiloLoss.RetryAsync(() => grains.GetGrain<ILayerGrain>(layer.Descriptor.Digest.ToString()).GetAsync(), cancellationToken).ConfigureAwait(false))?.Silos ?? [];
        return peers.ActivePeersAmong(holders).Count > 0;
    }

    // Null when the run was abandoned (cancelled, or its claim lapsed): the caller claims again.
    private static async Task<CachedStep?> JoinAsync(ICacheKeyGrain grain, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = await SiloLoss.RetryAsync(() => grain.WaitAsync(WaitSlice), cancellationToken).ConfigureAwait(false);
            switch (wait.Kind)
            {
                case StepWaitKind.Completed:
                    return ToCached(wait.Result!);
                case StepWaitKind.Failed:
                    throw new JoinedStepFailedException(wait.Silo ?? string.Empty, wait.Error!);
                case StepWaitKind.Abandoned:
                    return null;
            }
        }
    }

    private async Task<CachedStep> RunAsync(ICacheKeyGrain grain, string token, Func<CancellationToken, Task<CachedStep>> run, CancellationToken cancellationToken)
    {
        CachedStep result;
        using (var renewing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var renewals = RenewAsync(grain, token, renewing.Token);
            try
            {
                result = await run(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Whoever waits for this run must learn how it ended, whatever this caller's token says.
                await SiloLoss.RetryAsync(() => grain.AbandonAsync(token, e is OperationCanceledException ? null : e.Message), CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            finally
            {
                await renewing.CancelAsync().ConfigureAwait(false);
                await renewals.ConfigureAwait(false);
            }
        }

        await SiloLoss.RetryAsync(() => grain.CompleteAsync(token, ToRecord(result)), CancellationToken.None).ConfigureAwait(false);
        await NoteLayerAsync(result).ConfigureAwait(false);
        return result;
    }

    // Renews the claim while the step runs. A renewal that fails (a grain call lost) is tried again
    // at the next tick: the lease outlives two missed renewals.
    private async Task RenewAsync(ICacheKeyGrain grain, string token, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(claimLease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (!await grain.RenewAsync(token).WaitAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return; // lost: the run goes on, and its result is still recorded if none is
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Not waited for, and its failure ignored: a note lost costs later builds a claim, never this one any time.
    private async Task NoteFollowerAsync(Digest previous, Digest key)
    {
        try
        {
            await grains.GetGrain<ICacheKeyGrain>(previous.ToString()).FollowedByAsync(key.ToString()).ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
    }

    // Only a silo whose store holds the layer is noted as holding it.
    private Task NoteLayerAsync(CachedStep step) =>
        step.Layer is { } layer && content.Exists(layer.Descriptor.Digest)
            ? SiloLoss.RetryAsync(() => grains.GetGrain<ILayerGrain>(layer.Descriptor.Digest.ToString()).RecordAsync(ToLayerInfo(layer), silo), CancellationToken.None)
            : Task.CompletedTask;

    internal static LayerInfo ToLayerInfo(Oci.Layers.LayerBlob layer) =>
        new() { MediaType = layer.Descriptor.MediaType, Size = layer.Descriptor.Size, DiffId = layer.DiffId.ToString() };

    internal static StepRecordData ToRecord(CachedStep step) => new()
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
public sealed class JoinedStepFailedException(string silo, string error) : StepFailedOnWorkerException(silo, error);
