using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Steps;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// A runner found when the first step runs: the build engine needs its runner, and the farm's
/// runner needs the engine (to run steps on this silo), so one of them must be looked up late.
/// </summary>
public sealed class DeferredStepRunner(Func<IStepRunner> find) : IStepRunner
{
    private readonly Lazy<IStepRunner> _runner = new(find);

    public Task<CachedStep> RunAsync(StepDescription step, StepSession session, CancellationToken cancellationToken) =>
        _runner.Value.RunAsync(step, session, cancellationToken);
}
