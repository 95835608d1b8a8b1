using BuildFarm.Grains.Hosting;
using BuildFarm.Grains.Layers;
using MessagePack;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// The record of one cache key and the one run of it under way, if any. Only the result is
/// persisted: a run belongs to the process that started it, and holds its claim as a lease that
/// process renews (<see cref="BuildFarmClusterOptions.ClaimLease"/>). A lease not renewed in time
/// means its silo died: the run counts as abandoned and the claim is granted again.
/// </summary>
/// <remarks>
/// <c>farm prune --all</c> must make every record absent, but an activation keeps its record in
/// memory, and deactivating every activation cluster-wide cannot be done atomically. So a record
/// carries the <see cref="ICacheGenerationGrain"/> generation it was made under, and one from an
/// older generation counts as absent: prune advances the generation first, then deletes the
/// files. An activation that finds its record stale reads its state again, so that its ETag
/// agrees with the disk (the file is gone) and its next write is accepted.
/// <para>
/// It remembers the keys resolved next after it (BuildKit's cache links, kept in memory) and
/// hands their records out with its own: a build's chain of hits then costs its claimer one
/// round trip, where each claim from a silo that has not met the key before costs a directory
/// lookup as well.
/// </para>
/// <para>
/// Placed on the silo that first asks for the key (its build's coordinator): the builds that
/// claim a key again are mostly of the same pipeline, through the same silo, so their claims stay
/// on it.
/// </para>
/// </remarks>
[PreferLocalPlacement]
public sealed partial class CacheKeyGrain(
    [PersistentState(CacheKeyGrain.StateName, GrainStorage.Name)] IPersistentState<CacheKeyState> state,
    IOptions<BuildFarmClusterOptions> options,
    TimeProvider time,
    ILogger<CacheKeyGrain> logger) : Grain, ICacheKeyGrain
{
    /// <summary>The name the records are persisted under (<c>grains/step/</c>).</summary>
    public const string StateName = "step";

    // Enough for a key shared by several pipelines (a base image's first step); the rest claim.
    private const int MaxFollowers = 4;

    // A long Dockerfile's chain of hits, and a bound on what one claim gathers.
    private const int MaxFollowing = 64;

    private readonly TimeSpan _lease = options.Value.ClaimLease;
    private readonly List<string> _followedBy = []; // latest first
    private Run? _run;

    public async Task<StepClaim> ClaimAsync(string silo, bool reuse)
    {
        var generation = await CurrentGenerationAsync();
        if (state.State.Result is not null && state.State.Generation < generation)
        {
            await state.ReadStateAsync();
        }

        if (reuse && Recorded(generation) is { } recorded)
        {
            return new StepClaim(StepClaimKind.Recorded, recorded, null, recorded.Silo, await LayerHoldersAsync(recorded), await FollowingAsync(generation));
        }

        if (_run is { } running && !ExpireIfLapsed(running))
        {
            return new StepClaim(StepClaimKind.Running, null, null, running.Silo);
        }

        _run = new Run(Guid.NewGuid().ToString("N"), silo, generation) { Expires = time.GetUtcNow() + _lease };
        return new StepClaim(StepClaimKind.Granted, null, _run.Token, silo);
    }

    public Task FollowedByAsync(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _followedBy.Remove(key);
        _followedBy.Insert(0, key);
        if (_followedBy.Count > MaxFollowers)
        {
            _followedBy.RemoveAt(MaxFollowers);
        }

        return Task.CompletedTask;
    }

    public async Task<StepPeek?> PeekAsync(long generation) =>
        Recorded(generation) is { } recorded
            ? new StepPeek(recorded, await LayerHoldersAsync(recorded), [.. _followedBy])
            : null;

    public async Task<StepWait> WaitAsync(TimeSpan maxWait)
    {
        if (_run is not { } running)
        {
            return Recorded(await CurrentGenerationAsync()) is { } recorded
                ? new StepWait(StepWaitKind.Completed, recorded, null, recorded.Silo)
                : new StepWait(StepWaitKind.Abandoned, null, null, null);
        }

        // Never past the lease: a joiner of a run whose silo died learns it when the lease lapses.
        while (true)
        {
            var untilExpiry = running.Expires - time.GetUtcNow();
            var slice = untilExpiry < maxWait ? untilExpiry : maxWait;
            try
            {
                return await running.Ended.Task.WaitAsync(slice > TimeSpan.Zero ? slice : TimeSpan.Zero, time);
            }
            catch (TimeoutException)
            {
                if (ExpireIfLapsed(running))
                {
                    return new StepWait(StepWaitKind.Abandoned, null, null, running.Silo);
                }

                if (slice == maxWait)
                {
                    return new StepWait(StepWaitKind.StillRunning, null, null, running.Silo);
                }

                // Renewed meanwhile: wait for what is left of maxWait.
                maxWait -= slice;
            }
        }
    }

    public Task<bool> RenewAsync(string token)
    {
        if (_run is not { } running || running.Token != token || ExpireIfLapsed(running))
        {
            return Task.FromResult(false);
        }

        running.Expires = time.GetUtcNow() + _lease;
        return Task.FromResult(true);
    }

    public async Task CompleteAsync(string token, StepRecordData result)
    {
        if (_run is not { } running || running.Token != token)
        {
            // A lost claim: the layer is what any run makes, so keep it unless one is recorded.
            var generation = await CurrentGenerationAsync();
            if (Recorded(generation) is null)
            {
                await RecordAsync(result, generation);
            }

            return;
        }

        _run = null;
        await RecordAsync(result, running.Generation);
        running.Ended.TrySetResult(new StepWait(StepWaitKind.Completed, result, null, result.Silo));
    }

    public Task AbandonAsync(string token, string? error)
    {
        if (_run is not { } running || running.Token != token)
        {
            return Task.CompletedTask;
        }

        _run = null;
        running.Ended.TrySetResult(error is null
            ? new StepWait(StepWaitKind.Abandoned, null, null, running.Silo)
            : new StepWait(StepWaitKind.Failed, null, error, running.Silo));
        return Task.CompletedTask;
    }

    public async Task<StoredStepRecord?> GetRecordAsync() =>
        Recorded(await CurrentGenerationAsync()) is { } result ? new StoredStepRecord(result, StoredBytes()) : null;

    public async Task<StoredStepRecord?> ClearRecordAsync()
    {
        var cleared = state.State.Result is { } result ? new StoredStepRecord(result, StoredBytes()) : null;
        await state.ClearStateAsync();
        return cleared;
    }

    // The record is listed before it is written: a listed key without a record is a miss to a
    // reader, but a record nobody lists would escape farm prune.
    private async Task RecordAsync(StepRecordData result, long generation)
    {
        var key = this.GetPrimaryKeyString();
        await GrainFactory.GetGrain<IStepRecordIndexGrain>(StepRecordShards.Of(key)).AddAsync(key);
        state.State.Result = result;
        state.State.Generation = generation;
        await state.WriteStateAsync();
    }

    // What the state takes in storage, as its serializer writes it (Redis and the disk store both).
    private long StoredBytes() => MessagePackSerializer.Serialize(state.State).Length;

    // A run whose lease lapsed is abandoned: its joiners claim again, and so does the next claimer.
    private bool ExpireIfLapsed(Run running)
    {
        if (time.GetUtcNow() < running.Expires)
        {
            return false;
        }

        if (ReferenceEquals(_run, running))
        {
            _run = null;
        }

        LogClaimExpired(logger, this.GetPrimaryKeyString(), running.Silo, _lease);
        running.Ended.TrySetResult(new StepWait(StepWaitKind.Abandoned, null, null, running.Silo));
        return true;
    }

    // Asked here rather than by the claimer, which needs them when it lacks the layer: the layer's
    // grain is mostly on this silo (both are placed where the key was first claimed), so a claimer
    // elsewhere learns in one round trip whether the hit is usable.
    private async Task<IReadOnlyList<string>> LayerHoldersAsync(StepRecordData record) =>
        record.LayerDigest is { } layer ? (await GrainFactory.GetGrain<ILayerGrain>(layer).GetAsync())?.Silos ?? [] : [];

    // The recorded keys that followed this one, then those that followed them, a level at a time
    // (the keys of a level asked at once), up to MaxFollowing. A key that is not recorded ends its
    // branch: what follows it depends on the layer a run of it makes. Whatever cannot be asked
    // (a silo lost) is left out: its claimer claims it.
    private async Task<IReadOnlyList<FollowingStep>> FollowingAsync(long generation)
    {
        var following = new List<FollowingStep>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { this.GetPrimaryKeyString() };
        var level = _followedBy.Where(seen.Add).ToList();
        try
        {
            while (level.Count > 0 && following.Count < MaxFollowing)
            {
                var peeks = await Task.WhenAll(level.Select(key => GrainFactory.GetGrain<ICacheKeyGrain>(key).PeekAsync(generation)));
                var next = new List<string>();
                for (var i = 0; i < level.Count && following.Count < MaxFollowing; i++)
                {
                    if (peeks[i] is { } peek)
                    {
                        following.Add(new FollowingStep(level[i], peek.Result, peek.LayerHolders));
                        next.AddRange(peek.FollowedBy.Where(seen.Add));
                    }
                }

                level = next;
            }
        }
        catch (Exception e)
        {
            LogFollowingIncomplete(logger, e, this.GetPrimaryKeyString());
        }

        return following;
    }

    private StepRecordData? Recorded(long generation) => state.State.Generation >= generation ? state.State.Result : null;

    private Task<long> CurrentGenerationAsync() => GrainFactory.GetGrain<ICacheGenerationGrain>(0).GetAsync();

    // A run's result is recorded under the generation it was granted in: a prune --all that
    // happens meanwhile makes it absent as well.
    private sealed record Run(string Token, string Silo, long Generation)
    {
        public TaskCompletionSource<StepWait> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DateTimeOffset Expires { get; set; }
    }
}

[MessagePackObject]
public sealed class CacheKeyState
{
    [Key(0)]
    public StepRecordData? Result { get; set; }

    /// <summary>The step cache generation the result was recorded under.</summary>
    [Key(1)]
    public long Generation { get; set; }
}
