using System.Diagnostics;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Steps;
using BuildFarm.Execution.Tests.TestSupport;

namespace BuildFarm.Execution.Tests.Sandbox;

[Collection(EngineCollection.Name)]
public sealed class CancellationTests(EngineFixture fixture)
{
    [Fact]
    public async Task Cancelling_kills_the_process_tree_and_leaves_nothing_behind()
    {
        using var cancellation = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var request = new RunStepRequest
        {
            Parents = [fixture.Busybox],
            Process = new SandboxProcess { Arguments = SandboxProcess.ShellForm("sleep 1000 & echo started; sleep 1000"), Environment = [EngineFixture.Path] },
        };

        var run = fixture.Engine.RunStepAsync(
            request,
            (line, _) =>
            {
                if (line.Text == "started")
                {
                    started.TrySetResult();
                }

                return ValueTask.CompletedTask;
            },
            cancellation.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(fixture.DataDirectory, await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fixture.DataDirectory, "exec")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fixture.DataDirectory, "runc")));
        Assert.DoesNotContain(Process.GetProcessesByName("sleep"), static process => IsInContainer(process));
    }

    [Fact]
    public async Task Cancelling_before_the_start_runs_nothing()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.RunAsync(
            new SandboxProcess { Arguments = SandboxProcess.ShellForm("true") }, [fixture.Busybox], cancellation.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fixture.DataDirectory, "exec")));
    }

    [Fact]
    public async Task A_failing_sink_stops_the_process()
    {
        var request = new RunStepRequest
        {
            Parents = [fixture.Busybox],
            Process = new SandboxProcess { Arguments = SandboxProcess.ShellForm("echo first; sleep 1000"), Environment = [EngineFixture.Path] },
        };

        var error = await Assert.ThrowsAsync<IOException>(() => fixture.Engine.RunStepAsync(request, (_, _) => throw new IOException("the client went away")));

        Assert.Equal("the client went away", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fixture.DataDirectory, "exec")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(fixture.DataDirectory, "runc")));
    }

    /// <summary>A process of one of our sandboxes has its root in the data directory's exec dir.</summary>
    private static bool IsInContainer(Process process)
    {
        try
        {
            return new DirectoryInfo($"/proc/{process.Id}/root").LinkTarget?.Contains("/exec/", StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false; // exited meanwhile
        }
    }
}
