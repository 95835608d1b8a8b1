using System.Collections.Concurrent;
using BuildFarm.Execution.Building;
using BuildFarm.Grains.Tests.TestSupport;

namespace BuildFarm.Grains.Tests.Workers;

/// <summary>A silo that dies while it runs a step of a build coordinated elsewhere.</summary>
public sealed class SiloLossTests
{
    private static readonly IReadOnlyDictionary<string, string> TwoStages = TwoStageContext.Files(seconds: 4);

    [Fact]
    public async Task A_step_whose_silo_is_killed_while_it_runs_is_run_again_on_another_silo_and_the_build_succeeds()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 3, slots: 1, replicas: 2);
        var coordinator = farm.Silos[0];
        var root = await farm.SendContextAsync(farm.Store(coordinator), TwoStages);
        var started = new ConcurrentQueue<StepStarted>();
        var remoteStarted = new TaskCompletionSource<StepStarted>(TaskCreationOptions.RunContinuationsAsynchronously);

        var build = farm.Engine(coordinator).BuildAsync(
            new BuildRequest { ContextTree = root },
            (buildEvent, _) =>
            {
                if (buildEvent is StepStarted step)
                {
                    started.Enqueue(step);
                    if (step.Worker != FarmCluster.NameOf(coordinator))
                    {
                        remoteStarted.TrySetResult(step);
                    }
                }

                return ValueTask.CompletedTask;
            });
        var victim = await remoteStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await farm.Cluster.KillSiloAsync(farm.Silos.Single(silo => FarmCluster.NameOf(silo) == victim.Worker));
        var result = await build.WaitAsync(TimeSpan.FromSeconds(180));

        var single = await SingleSiloBuild.RunAsync(farm, TwoStages);
        Assert.Equal(single.Manifest.Digest, result.Manifest.Digest);

        // The step started on the killed silo, then once more on a live one, which ran it.
        var runsOfVictim = started.Where(step => step.Step == victim.Step).Select(step => step.Worker).ToList();
        Assert.Equal(2, runsOfVictim.Count);
        Assert.Equal(victim.Worker, runsOfVictim[0]);
        Assert.NotEqual(victim.Worker, runsOfVictim[1]);
        Assert.Equal(runsOfVictim[1], result.Steps.Single(step => step.Id == victim.Step).Worker);
        Assert.Equal(StepOutcome.Ran, result.Steps.Single(step => step.Id == victim.Step).Outcome);
    }
}
