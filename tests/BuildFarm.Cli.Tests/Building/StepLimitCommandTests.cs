using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.Building;

/// <summary><c>farm server --step-memory/--step-pids</c> (and their variables) with real runc and cgroups; <c>--cache-mount-storage</c>'s checks.</summary>
public sealed class StepLimitCommandTests : IDisposable
{
    private readonly FarmSession _farm = new();

    [Fact]
    public async Task Steps_over_the_servers_limits_fail_saying_which_and_the_server_builds_on()
    {
        await _farm.RestartServerAsync("--step-memory", "32m", "--step-pids", "64");
        await _farm.LoadBusyboxAsync();

        var memory = await BuildAsync("memory", "FROM busybox\nRUN head -c 100m /dev/zero | tail\n");
        var processes = await BuildAsync("processes", "FROM busybox\nRUN i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; exit 3\n");
        var fine = await BuildAsync("fine", "FROM busybox\nRUN echo within limits > /f\n");

        Assert.Equal(1, memory.ExitCode);
        Assert.Contains(
            "Error: Dockerfile:2: RUN head -c 100m /dev/zero | tail: process \"/bin/sh -c head -c 100m /dev/zero | tail\" did not complete successfully: ran out of memory (the step's limit is 32 MiB; the kernel killed a process over it): exit code: 137",
            memory.Error,
            StringComparison.Ordinal);
        Assert.Equal(1, processes.ExitCode);
        Assert.Contains(
            "did not complete successfully: reached its process limit (the step may run 64 processes and threads at once): exit code: ",
            processes.Error,
            StringComparison.Ordinal);
        Assert.True(fine.ExitCode == 0, fine.Error);
    }

    [Theory]
    [InlineData("--step-memory", "lots", null, "--step-memory \"lots\" is not a size (512m, 4g; 0 for no limit)")]
    [InlineData("--step-memory", "1m", null, "Invalid ExecutionOptions: StepMemoryBytes must be 0 (no limit) or at least 6291456 (6 MiB), not 1048576.")]
    [InlineData("--step-cpus", "-1", null, "--step-cpus \"-1\" is not a number of CPUs (1.5; 0 for no limit)")]
    [InlineData(null, null, "many", "$FARM_STEP_PIDS \"many\" is not a count of processes (0 for no limit)")]
    [InlineData("--cache-mount-storage", "big", null, "--cache-mount-storage \"big\" is not a size (20g; 0 for no bound)")]
    public async Task A_limit_that_is_not_one_stops_the_server_from_starting_with_what_is_wrong(string? option, string? value, string? pidsVariable, string error)
    {
        var environment = _farm.Environment;
        _farm.Environment = environment with { GetVariable = name => name == "FARM_STEP_PIDS" ? pidsVariable : environment.GetVariable(name) };

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => _farm.RestartServerAsync(option is null ? [] : [option, value!]));

        Assert.EndsWith($"before it listened:\nError: {error}\n", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _farm.Dispose();

    private Task<FarmResult> BuildAsync(string name, string dockerfile)
    {
        var context = Directory.CreateDirectory(_farm.Combine("contexts", name)).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        return _farm.RunAsync("build", "--progress", "plain", context);
    }
}
