using Orleans.Concurrency;

namespace BuildFarm.Grains.Workers;

/// <summary>One silo's worker, keyed by the silo's name: how busy it is, for placement and for metrics.</summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<WorkerStatus> GetStatusAsync();
}

/// <summary>How many steps a silo runs, how many wait for a free slot, and how many it may run at once.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStatus(
    [property: Id(0)] string Silo,
    [property: Id(1)] int RunningSteps,
    [property: Id(2)] int QueuedSteps,
    [property: Id(3)] int Slots);
