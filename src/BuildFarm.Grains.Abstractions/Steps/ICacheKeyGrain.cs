using Orleans.Concurrency;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// One step cache key, cluster-wide. Its single activation is what makes a step run once: the
/// first caller to claim an unrecorded key runs it, callers that come while it runs join it, and
/// every later caller gets the recorded result. A claim is a lease that the running silo renews:
/// one that is not renewed in time (its silo died) is granted again to the next claimer.
/// </summary>
public interface ICacheKeyGrain : IGrainWithStringKey
{
    /// <summary>
    /// The recorded result (when <paramref name="reuse"/>), with the silos its layer's grain lists
    /// as holding it and the recorded steps that followed this one before (<see cref="StepClaim.Following"/>);
    /// or the right to run the step; or word that someone runs it.
    /// </summary>
    /// <param name="silo">Who asks: the silo that would run it.</param>
    Task<StepClaim> ClaimAsync(string silo, bool reuse);

    /// <summary>
    /// Notes that <paramref name="key"/> was resolved next after this key in a stage, so that this
    /// key's recorded claims bring its record along. Kept in memory only, for the few latest keys:
    /// it saves claims, and losing it costs only claims.
    /// </summary>
    Task FollowedByAsync(string key);

    /// <summary>
    /// What a recorded claim of this key would give, and the keys that followed it; null when it
    /// has no record of <paramref name="generation"/> (the cache generation the asker read for its
    /// own claim). Asked by the key before it, for its claimers: it changes nothing, so it may run
    /// while a claim here waits, and two keys that followed each other (steps that add no layer,
    /// in either order) cannot wait on each other.
    /// </summary>
    [AlwaysInterleave]
    Task<StepPeek?> PeekAsync(long generation);

    /// <summary>Waits up to <paramref name="maxWait"/> for the run under way to end.</summary>
    [AlwaysInterleave]
    Task<StepWait> WaitAsync(TimeSpan maxWait);

    /// <summary>Extends the lease of the run granted by <paramref name="token"/>; false when the claim was lost (it expired and was granted again).</summary>
    [AlwaysInterleave]
    Task<bool> RenewAsync(string token);

    /// <summary>
    /// The run granted by <paramref name="token"/> succeeded: records its result and hands it to
    /// those waiting. A run whose claim was lost still records its result when none is recorded
    /// (equal inputs make equal layers), and leaves the run that holds the claim now alone.
    /// </summary>
    Task CompleteAsync(string token, StepRecordData result);

    /// <summary>
    /// The run granted by <paramref name="token"/> ended without a result; <paramref name="error"/>
    /// is null when it was cancelled, so a waiting caller runs it instead. A no-op for a lost claim.
    /// </summary>
    Task AbandonAsync(string token, string? error);

    /// <summary>The record as it counts now (null when there is none, or it was pruned) and the bytes it takes stored: for <c>farm du</c> and <c>farm prune</c>.</summary>
    Task<StoredStepRecord?> GetRecordAsync();

    /// <summary>Removes the record from storage (<c>farm prune --all</c>); returns what it took, null when there was none.</summary>
    Task<StoredStepRecord?> ClearRecordAsync();
}

[GenerateSerializer, Immutable]
public sealed record StoredStepRecord(
    [property: Id(0)] StepRecordData Result,
    [property: Id(1)] long Bytes);

public enum StepClaimKind
{
    /// <summary>A result is recorded.</summary>
    Recorded,

    /// <summary>Nobody runs it: the caller must, and then complete or abandon the claim.</summary>
    Granted,

    /// <summary>Someone runs it now: wait for the result.</summary>
    Running,
}

/// <param name="Following">
/// For a recorded claim, the recorded keys that followed this one before, and those that followed
/// them, as their own claims would have answered now: the claimer's next claims, most likely,
/// answered in this round trip.
/// </param>
[GenerateSerializer, Immutable]
public sealed record StepClaim(
    [property: Id(0)] StepClaimKind Kind,
    [property: Id(1)] StepRecordData? Result,
    [property: Id(2)] string? Token,
    [property: Id(3)] string? Silo,
    [property: Id(4)] IReadOnlyList<string>? LayerHolders = null,
    [property: Id(5)] IReadOnlyList<FollowingStep>? Following = null);

/// <summary>A recorded key that followed a claimed one: its result and its layer's holders.</summary>
[GenerateSerializer, Immutable]
public sealed record FollowingStep(
    [property: Id(0)] string Key,
    [property: Id(1)] StepRecordData Result,
    [property: Id(2)] IReadOnlyList<string> LayerHolders);

/// <summary>A key's record and its layer's holders, and the keys that followed it (<see cref="ICacheKeyGrain.PeekAsync"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record StepPeek(
    [property: Id(0)] StepRecordData Result,
    [property: Id(1)] IReadOnlyList<string> LayerHolders,
    [property: Id(2)] IReadOnlyList<string> FollowedBy);

public enum StepWaitKind
{
    /// <summary>The run succeeded.</summary>
    Completed,

    /// <summary>The run failed; joiners fail with its error.</summary>
    Failed,

    /// <summary>The run was cancelled, or its claim expired: claim again.</summary>
    Abandoned,

    /// <summary>Still running: wait again.</summary>
    StillRunning,
}

[GenerateSerializer, Immutable]
public sealed record StepWait(
    [property: Id(0)] StepWaitKind Kind,
    [property: Id(1)] StepRecordData? Result,
    [property: Id(2)] string? Error,
    [property: Id(3)] string? Silo);
