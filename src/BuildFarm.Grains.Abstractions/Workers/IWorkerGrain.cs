using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Steps;
using Orleans.Concurrency;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// One silo's worker, keyed by the silo's name (<c>ADDRESS:SILOPORT</c>) and always placed on that
/// silo: how busy it is, the steps it runs for builds coordinated anywhere, and the blobs its
/// store serves to peers. A key whose silo is not active fails the call, so the caller picks
/// another silo. No call stays open for a step's length: a step is started, then waited for a
/// bounded slice at a time.
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<WorkerStatus> GetStatusAsync();

    /// <summary>Starts running a step on this silo and returns the run's id at once.</summary>
    [AlwaysInterleave]
    Task<string> StartStepAsync(StepOrder order);

    /// <summary>Waits up to <paramref name="maxWait"/> for the run to end; a run that ended is forgotten once reported.</summary>
    [AlwaysInterleave]
    Task<StepRunStatus> WaitStepAsync(string runId, TimeSpan maxWait);

    /// <summary>Cancels the run: its process is killed, its mounts released.</summary>
    [AlwaysInterleave]
    Task CancelStepAsync(string runId);

    /// <summary>
    /// How many chunks of <see cref="ReadBlobAsync"/> to ask for per call (its batch size): with
    /// two, a blob of one chunk (most layers of a build, every config and manifest) comes with its
    /// end in a single call, where one would take a second call to learn there is no more; and
    /// no call carries more than two chunks.
    /// </summary>
    public const int ChunksPerCall = 2;

    /// <summary>
    /// The blob's bytes from this silo's store, a chunk at a time (ask with a batch size of
    /// <see cref="ChunksPerCall"/>); nothing when the store lacks it.
    /// </summary>
    [AlwaysInterleave]
    IAsyncEnumerable<byte[]> ReadBlobAsync(string digest);

    /// <summary>
    /// What one call of <see cref="ReadSmallBlobsAsync"/> carries at most, and so the most a blob
    /// may weigh to come by it: a chunk, like one call of <see cref="ReadBlobAsync"/>.
    /// </summary>
    public const int SmallBlobBytes = 1024 * 1024;

    /// <summary>
    /// Several blobs' bytes in one call, each whole and verified, in the order asked: what a peer
    /// needs of a chain of cache hits takes one round trip rather than one stream per blob. The
    /// answer covers the digests asked up to the first that would take the call past
    /// <see cref="SmallBlobBytes"/>: ask again for the rest. It covers the first always. An entry
    /// is null for a blob the store lacks, one whose copy here is corrupt (it is then dropped),
    /// and one larger than <see cref="SmallBlobBytes"/>: ask <see cref="ReadBlobAsync"/> for those.
    /// </summary>
    [AlwaysInterleave]
    Task<byte[]?[]> ReadSmallBlobsAsync(string[] digests);

    /// <summary>
    /// Makes this silo hold a replica of <paramref name="digest"/>, fetched from
    /// <paramref name="holder"/>; waits up to <paramref name="maxWait"/> for it and returns
    /// whether the replica is here (call again to keep waiting: the transfer is shared).
    /// </summary>
    [AlwaysInterleave]
    Task<bool> ReplicateAsync(string digest, string holder, TimeSpan maxWait);
}

/// <summary>How many steps a silo runs, how many wait for a free slot, and how many it may run at once.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStatus(
    [property: Id(0)] string Silo,
    [property: Id(1)] int RunningSteps,
    [property: Id(2)] int QueuedSteps,
    [property: Id(3)] int Slots);

/// <summary>Why a step was placed on the silo that runs it.</summary>
public enum PlacementReason
{
    /// <summary>It holds the step's parent chain and most of its input bytes.</summary>
    Locality,

    /// <summary>It had a free slot when the silos best placed by locality had none.</summary>
    FreeSlots,

    /// <summary>
    /// No silo had a free slot: the step waited in the queues of every silo and ran on the first
    /// whose slot came free, rather than on one chosen early while another went idle.
    /// </summary>
    FirstFreeSlot,
}

/// <summary>
/// A step for a worker to run: its description (as <c>StepDescription</c> JSON), the silo that
/// coordinates its build (where blobs no holder is recorded for come from), where its events go,
/// and the build's secrets, which travel in memory only and are never stored or logged.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StepOrder
{
    [Id(0)] public required string Description { get; init; }

    [Id(1)] public required string Coordinator { get; init; }

    [Id(2)] public required IStepObserver Observer { get; init; }

    [Id(3)] public BuildSecrets Secrets { get; init; } = BuildSecrets.None;

    [Id(4)] public PlacementReason Placement { get; init; }
}

public enum StepRunState
{
    /// <summary>Still running: wait again.</summary>
    Running,

    /// <summary>Ended with a layer (or none): see <see cref="StepRunStatus.Result"/>.</summary>
    Succeeded,

    /// <summary>Failed: see <see cref="StepRunStatus.Error"/>.</summary>
    Failed,

    /// <summary>Cancelled.</summary>
    Cancelled,

    /// <summary>This silo knows no such run (it restarted, or the run was reported already): place the step again.</summary>
    Unknown,
}

[GenerateSerializer, Immutable]
public sealed record StepRunStatus(
    [property: Id(0)] StepRunState State,
    [property: Id(1)] StepRecordData? Result,
    [property: Id(2)] string? Error)
{
    /// <summary>For a failed RUN whose process ran: its exit code.</summary>
    [Id(3)] public int? ExitCode { get; init; }

    /// <summary>For a failed RUN whose process ran: the last lines it wrote.</summary>
    [Id(4)] public IReadOnlyList<string> LastLines { get; init; } = [];
}

/// <summary>Where a step's events go, on the silo that coordinates its build.</summary>
public interface IStepObserver : IGrainObserver
{
    /// <summary>
    /// The step has a slot on <paramref name="silo"/>; returns whether it starts there. False when
    /// it waited on several silos and another one's slot came first: the run then ends at once,
    /// cancelled, and gives its slot to the next step.
    /// </summary>
    Task<bool> StartedAsync(string silo);

    /// <summary>Lines the step's process printed, in order.</summary>
    Task OutputAsync(IReadOnlyList<StepOutputLine> lines);
}

[GenerateSerializer, Immutable]
public sealed record StepOutputLine(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] bool Stderr,
    [property: Id(2)] string Text);
