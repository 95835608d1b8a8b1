using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Snapshots;

/// <summary>Its own data directory: opening an engine clears the exec dirs of whoever used it before.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task Opening_clears_what_a_crashed_engine_left()
    {
        using var data = new TempDirectory("buildfarm-recovery");
        using var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = data.Path });
        var busybox = await EngineFixture.ImportBusyboxAsync(store);
        var crashed = await ExecutionEngine.OpenAsync(store);

        // A step's root left mounted, with its container still running...
        var root = await crashed.Snapshots.MountAsync([busybox]);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var orphan = crashed.Sandbox.RunAsync(
            root.Path,
            new SandboxProcess { Arguments = SandboxProcess.ShellForm("echo started; sleep 1000"), Environment = [EngineFixture.Path] },
            Path.Combine(root.Directory, "bundle"),
            (line, _) =>
            {
                started.TrySetResult();
                return ValueTask.CompletedTask;
            });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // ...mounts nested in a made-up exec dir, and a snapshot interrupted while unpacking.
        var fake = data.Combine("exec", "fake");
        Directory.CreateDirectory(Path.Combine(fake, "outer"));
        LinuxCalls.Mount("tmpfs", Path.Combine(fake, "outer"), "tmpfs", "size=1m");
        Directory.CreateDirectory(Path.Combine(fake, "outer", "inner"));
        LinuxCalls.Mount("tmpfs", Path.Combine(fake, "outer", "inner"), "tmpfs", "size=1m");
        var halfUnpacked = data.Combine("snapshots", $".unpack-{busybox.DiffId.Hex}-0123");
        Directory.CreateDirectory(Path.Combine(halfUnpacked, "bin"));
        Assert.Equal(3, (await File.ReadAllLinesAsync("/proc/self/mountinfo")).Count(line => line.Contains(data.Path, StringComparison.Ordinal)));

        var restarted = await ExecutionEngine.OpenAsync(store);

        var killed = await Assert.ThrowsAsync<ProcessFailedException>(() => orphan);
        Assert.Equal(137, killed.ExitCode); // SIGKILL
        Assert.DoesNotContain(data.Path, await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(data.Combine("exec")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(data.Combine("runc")));
        Assert.Equal([busybox.DiffId.Hex], Directory.EnumerateFileSystemEntries(data.Combine("snapshots")).Select(Path.GetFileName));

        // The left-behind root can still be disposed, and the new engine runs steps.
        await root.DisposeAsync();
        var output = new List<string>();
        await restarted.RunStepAsync(
            new() { Parents = [busybox], Process = new SandboxProcess { Arguments = ["echo", "alive"], Environment = [EngineFixture.Path] } },
            (line, _) =>
            {
                output.Add(line.Text);
                return ValueTask.CompletedTask;
            });
        Assert.Equal(["alive"], output);
    }
}
