using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Tests.TestSupport;

namespace BuildFarm.Execution.Tests.Sandbox;

[Collection(EngineCollection.Name)]
public sealed class SandboxTests(EngineFixture fixture)
{
    [Fact]
    public async Task Output_streams_line_by_line_with_stream_names_and_times()
    {
        var before = DateTimeOffset.UtcNow;
        var outcome = await fixture.RunShellAsync("echo one; echo two >&2; echo three; printf 'crlf\\r\\n'; echo four >&2; printf 'no newline'");
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(["one", "three", "crlf", "no newline"], outcome.Stdout);
        Assert.Equal(["two", "four"], outcome.Stderr);
        Assert.All(outcome.Output, line => Assert.InRange(line.Timestamp, before, after));
        foreach (var stream in new[] { OutputStreamKind.Stdout, OutputStreamKind.Stderr })
        {
            var times = outcome.Output.Where(line => line.Stream == stream).Select(static line => line.Timestamp).ToList();
            Assert.Equal(times.Order(), times);
        }
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_comes_in_pieces()
    {
        var outcome = await fixture.RunShellAsync("head -c 70000 /dev/zero | tr '\\0' a; echo");

        Assert.Equal([new string('a', 65536), new string('a', 70000 - 65536)], outcome.Stdout);
    }

    [Fact]
    public async Task A_failing_command_names_itself_its_exit_code_and_its_last_output()
    {
        var command = "for i in $(seq 1 12); do echo line $i; done; exit 3";

        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => fixture.RunShellAsync(command));

        Assert.Equal(
            "process \"/bin/sh -c for i in $(seq 1 12); do echo line $i; done; exit 3\" did not complete successfully: exit code: 3\n"
            + "last 10 lines of output:\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\nline 11\nline 12",
            error.Message);
        Assert.Equal(3, error.ExitCode);
        Assert.Equal(["/bin/sh", "-c", command], error.Arguments);
    }

    [Fact]
    public async Task A_missing_program_fails_with_runc_saying_why()
    {
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => fixture.RunAsync(
            new SandboxProcess { Arguments = ["no-such-program"], Environment = [EngineFixture.Path] }, [fixture.Busybox]));

        Assert.Equal(1, error.ExitCode);
        Assert.Equal(
            "runc run failed: unable to start container process: exec: \"no-such-program\": executable file not found in $PATH",
            Assert.Single(error.LastLines).Text);
    }

    [Fact]
    public async Task Environment_and_a_missing_working_directory()
    {
        var outcome = await fixture.RunShellAsync(
            "pwd; echo \"$GREETING\"; echo \"[$UNSET]\"",
            process => process with { Environment = [EngineFixture.Path, "GREETING=hello  world"], WorkingDirectory = "/work/dir" });

        Assert.Equal(["/work/dir", "hello  world", "[]"], outcome.Stdout);
        // runc creates the working directory, owned by root; like Docker, it stays in the layer.
        Assert.Equal([LayerItem.Directory("work/"), LayerItem.Directory("work/dir/")], await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    // As BuildKit's executor gives them (its testUser, testUserAdditionalGids): the gid is always
    // among the groups, and a lone uid the image does not know runs with gid 0.
    [Theory]
    [InlineData("", "uid=0(root) gid=0(root) groups=0(root)")]
    [InlineData("user", "uid=1000(user) gid=1000(user) groups=1000(user)")]
    [InlineData("1000", "uid=1000(user) gid=1000(user) groups=1000(user)")]
    [InlineData("user:root", "uid=1000(user) gid=0(root) groups=0(root)")]
    [InlineData("1000:0", "uid=1000(user) gid=0(root) groups=0(root)")]
    [InlineData("4242", "uid=4242 gid=0(root) groups=0(root)")]
    public async Task The_user_is_resolved_in_the_image(string user, string id)
    {
        var outcome = await fixture.RunShellAsync("id", process => process with { User = user });

        Assert.Equal([id], outcome.Stdout);
    }

    [Fact]
    public async Task A_user_gets_the_groups_that_list_it()
    {
        var groups = await fixture.RunShellAsync("echo 'wheel:x:10:root,user' >> /etc/group && echo 'staff:x:50:user' >> /etc/group");

        var plain = await fixture.RunShellAsync("id; touch /home/user/mine && stat -c '%u:%g' /home/user/mine", process => process with { User = "user" }, groups.Layer);
        var explicitGroup = await fixture.RunShellAsync("id", process => process with { User = "user:staff" }, groups.Layer);

        Assert.Equal(["uid=1000(user) gid=1000(user) groups=10(wheel),50(staff),1000(user)", "1000:1000"], plain.Stdout);
        Assert.Equal(["uid=1000(user) gid=50(staff) groups=50(staff)"], explicitGroup.Stdout);
    }

    [Fact]
    public async Task An_unknown_user_is_an_error()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.RunShellAsync("id", process => process with { User = "nobody" }));

        Assert.Equal("unable to find user nobody: no matching entries in passwd file", error.Message);
    }

    [Fact]
    public async Task Capabilities_are_dockers_defaults_without_new_privileges()
    {
        var outcome = await fixture.RunShellAsync("grep -E '^(Cap|NoNewPrivs)' /proc/self/status");

        Assert.Equal(
            ["CapInh:\t0000000000000000", "CapPrm:\t00000000a80425fb", "CapEff:\t00000000a80425fb", "CapBnd:\t00000000a80425fb", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1"],
            outcome.Stdout);
    }

    [Fact]
    public async Task The_sandbox_has_its_own_namespaces_and_a_read_only_sys()
    {
        var outcome = await fixture.RunShellAsync("echo pid $$; hostname; touch /sys/kernel/probe 2>&1; grep -w /sys /proc/mounts; ls /dev");

        Assert.Equal(
            [
                "pid 1",
                "buildkitsandbox",
                "touch: /sys/kernel/probe: Read-only file system",
                "sysfs /sys sysfs ro,nosuid,nodev,noexec,relatime 0 0",
                "tmpfs /sys/firmware tmpfs ro,relatime 0 0", // masked, as under Docker
                "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "tty", "urandom", "zero",
            ],
            outcome.Stdout.Where(static line => !line.StartsWith("core", StringComparison.Ordinal) && !line.StartsWith("fd", StringComparison.Ordinal) && !line.StartsWith("std", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_step_mount_on_a_default_mounts_target_replaces_it()
    {
        var outcome = await fixture.RunShellAsync("grep -w /dev/shm /proc/mounts", process => process with { Mounts = [new TmpfsMount("/dev/shm", 1 << 20)] });

        Assert.Equal(["tmpfs /dev/shm tmpfs rw,nosuid,nodev,relatime,size=1024k 0 0"], outcome.Stdout);
    }

    [Fact]
    public async Task The_host_network_is_refused_unless_the_engine_allows_it()
    {
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => fixture.RunShellAsync("true", process => process with { Network = NetworkMode.Host }));

        Assert.Equal("RUN --network=host is not allowed: the server was not started with --allow-insecure-entitlement network.host.", error.Message);
    }
}
