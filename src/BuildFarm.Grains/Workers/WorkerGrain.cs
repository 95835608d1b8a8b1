using BuildFarm.Execution.Building;

namespace BuildFarm.Grains.Workers;

/// <summary>Reports the build engine of the silo it lives on.</summary>
public sealed class WorkerGrain(BuildEngine engine) : Grain, IWorkerGrain
{
    public Task<WorkerStatus> GetStatusAsync() =>
        Task.FromResult(new WorkerStatus(this.GetPrimaryKeyString(), engine.RunningSteps, engine.QueuedSteps, engine.Options.MaxConcurrentSteps));
}
