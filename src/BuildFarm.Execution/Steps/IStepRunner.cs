using BuildFarm.Execution.Caching;

namespace BuildFarm.Execution.Steps;

/// <summary>
/// Where a build sends each step that must run. The build engine runs it on its own silo; a
/// cluster hands the description to the silo it places the step on, whose engine runs it.
/// </summary>
public interface IStepRunner
{
    /// <summary>Runs the step and returns the layer it wrote (now in the runner's content store) and the silo that ran it.</summary>
    Task<CachedStep> RunAsync(StepDescription step, StepSession session, CancellationToken cancellationToken);
}
