using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Steps;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Sandbox;

/// <summary>An engine of its own whose steps may use 32 MiB, 64 processes and half a CPU, with real runc and cgroups.</summary>
public sealed class StepLimitTests : IAsyncLifetime
{
    private const long MemoryLimit = 32 * 1024 * 1024;
    private static readonly ExecutionOptions Options = new() { StepMemoryBytes = MemoryLimit, StepPids = 64, StepCpus = 0.5 };
    private readonly TempDirectory _directory = new("buildfarm-limits");
    private ContentStore _store = null!;
    private ExecutionEngine _engine = null!;
    private LayerBlob _busybox = null!;

    // The engine's step cgroups: /buildfarm/<data directory hash>-<container id>.
    private string CgroupPrefix => Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(_directory.Path)).Hex[..16] + "-";

    public async Task InitializeAsync()
    {
        _store = ContentStore.Open(new ContentStoreOptions { DataDirectory = _directory.Path });
        _engine = await ExecutionEngine.OpenAsync(_store, Options);
        _busybox = await EngineFixture.ImportBusyboxAsync(_store);
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        _directory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_step_over_its_memory_limit_fails_saying_it_ran_out_of_memory()
    {
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => RunAsync("head -c 100m /dev/zero | tail"));

        Assert.Equal(137, error.ExitCode);
        Assert.Equal("ran out of memory (the step's limit is 32 MiB; the kernel killed a process over it)", error.LimitExceeded);
        Assert.StartsWith("process \"/bin/sh -c head -c 100m /dev/zero | tail\" did not complete successfully: ran out of memory (the step's limit is 32 MiB; the kernel killed a process over it): exit code: 137", error.Message, StringComparison.Ordinal);
        Assert.Equal("fine", await RunAsync("echo fine"));
    }

    [Fact]
    public async Task A_step_whose_script_carries_on_after_a_process_ran_out_of_memory_still_fails()
    {
        // The reader is the OOM killer's first choice (the score only goes up unprivileged), and it
        // reads /dev/zero itself: no writer into a pipe allocates while it dies, which would make
        // the kernel kill again and take the shell that carries on.
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => RunAsync("sh -c 'echo 1000 > /proc/self/oom_score_adj && exec tail /dev/zero'; echo carried on"));

        Assert.Equal(0, error.ExitCode);
        Assert.Equal("ran out of memory (the step's limit is 32 MiB; the kernel killed a process over it)", error.LimitExceeded);
        Assert.Contains(error.LastLines, static line => line.Text == "carried on");
    }

    [Fact]
    public async Task A_step_that_starts_more_processes_than_its_limit_fails_at_the_limit()
    {
        // 200 sleepers, one after another: the fork past the 64th process is refused, however fast the host.
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => RunAsync("i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; exit 3"));

        Assert.Equal("reached its process limit (the step may run 64 processes and threads at once)", error.LimitExceeded);
        Assert.Contains(error.LastLines, static line => line.Text.EndsWith("can't fork: Resource temporarily unavailable", StringComparison.Ordinal));
        Assert.Equal("fine", await RunAsync("echo fine"));
        Assert.Empty(StepCgroupsLeft());
    }

    [Fact]
    public async Task A_step_that_stays_under_its_process_limit_succeeds()
    {
        Assert.Equal("done", await RunAsync("i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done; echo done"));
    }

    [Fact]
    public async Task A_running_step_is_in_a_cgroup_with_the_limits_that_goes_when_it_ends()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = RunAsync("echo started; sleep 60", started, cancellation.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var cgroups = Directory.GetDirectories("/sys/fs/cgroup/memory/buildfarm", CgroupPrefix + "*").Select(static path => Path.GetFileName(path)).ToList();
        var limits = cgroups.Count != 1 ? [] : new[] { "memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes", "pids/pids.max", "cpu/cpu.cfs_period_us", "cpu/cpu.cfs_quota_us" }
            .Select(file => File.ReadAllText($"/sys/fs/cgroup/{file.Split('/')[0]}/buildfarm/{cgroups[0]}/{file.Split('/')[1]}").Trim())
            .ToList();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(["33554432", "33554432", "64", "100000", "50000"], limits);
        Assert.Empty(StepCgroupsLeft());
    }

    [Fact]
    public async Task Opening_the_engine_again_removes_the_step_cgroups_a_crash_left()
    {
        var leftover = $"/sys/fs/cgroup/pids/buildfarm/{CgroupPrefix}crashed";
        Directory.CreateDirectory(leftover + "/step");

        await ExecutionEngine.OpenAsync(_store, Options);

        Assert.False(Directory.Exists(leftover));
    }

    // Every hierarchy runc made the step's cgroup in, not only the limited ones.
    private IEnumerable<string> StepCgroupsLeft() =>
        Directory.EnumerateDirectories("/sys/fs/cgroup")
            .Select(static hierarchy => hierarchy + "/buildfarm")
            .Where(Directory.Exists)
            .SelectMany(parent => Directory.EnumerateDirectories(parent, CgroupPrefix + "*"));

    private async Task<string> RunAsync(string command, TaskCompletionSource? started = null, CancellationToken cancellationToken = default)
    {
        var output = new List<string>();
        await _engine.RunStepAsync(
            new RunStepRequest
            {
                Parents = [_busybox],
                Process = new SandboxProcess { Arguments = SandboxProcess.ShellForm(command), Environment = [EngineFixture.Path] },
            },
            (line, _) =>
            {
                output.Add(line.Text);
                if (line.Text == "started")
                {
                    started?.TrySetResult();
                }

                return ValueTask.CompletedTask;
            },
            cancellationToken);
        return string.Join('\n', output);
    }
}
