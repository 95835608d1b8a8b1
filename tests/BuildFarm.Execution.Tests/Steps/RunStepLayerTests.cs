using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Steps;

[Collection(EngineCollection.Name)]
public sealed class RunStepLayerTests(EngineFixture fixture)
{
    [Fact]
    public async Task A_new_file_is_the_whole_layer()
    {
        var outcome = await fixture.RunShellAsync("echo hi > /hello");

        Assert.Equal([LayerItem.File("hello", "hi\n")], await Layers.ReadAsync(fixture.Store, outcome.Layer));
        Assert.Equal("application/vnd.oci.image.layer.v1.tar+gzip", outcome.Layer.Descriptor.MediaType);
    }

    [Fact]
    public async Task Mount_points_and_generated_files_stay_out_of_the_layer()
    {
        // busybox has no /proc, /dev, /sys, /etc/hosts or /etc/resolv.conf: all are stubs for the run only.
        var outcome = await fixture.RunShellAsync("cat /etc/hosts; hostname; ls -d /proc /dev /sys");

        Assert.Equal(["127.0.0.1\tlocalhost buildkitsandbox", "::1\tlocalhost ip6-localhost ip6-loopback", "buildkitsandbox", "/dev", "/proc", "/sys"], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_change_next_to_a_mount_point_keeps_its_directory()
    {
        var outcome = await fixture.RunShellAsync("echo x > /etc/extra");

        Assert.Equal([LayerItem.Directory("etc/"), LayerItem.File("etc/extra", "x\n")], await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task Deleting_a_lower_file_writes_a_whiteout()
    {
        var outcome = await fixture.RunShellAsync("rm /etc/group");

        Assert.Equal([LayerItem.Directory("etc/"), LayerItem.Marker("etc/.wh.group")], await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task Replacing_a_lower_directory_makes_it_opaque()
    {
        var outcome = await fixture.RunShellAsync("rm -r /home/user && mkdir -m 700 /home/user && echo new > /home/user/file");

        Assert.Equal(
            [
                LayerItem.Directory("home/"),
                LayerItem.Directory("home/user/", mode: 0b111_000_000),
                LayerItem.Marker("home/user/.wh..wh..opq"),
                LayerItem.File("home/user/file", "new\n"),
            ],
            await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_later_step_sees_the_layers_of_earlier_ones()
    {
        var first = await fixture.RunShellAsync("echo one > /chain && rm /etc/passwd");
        var second = await fixture.RunShellAsync("cat /chain; ls /etc", above: first.Layer);

        // hosts and resolv.conf are the sandbox's mounts, not files of a layer.
        Assert.Equal(["one", "group", "hosts", "resolv.conf"], second.Stdout);
    }

    [Fact]
    public async Task A_mount_point_deep_in_existing_directories_leaves_no_trace()
    {
        using var host = new TempDirectory("buildfarm-bind");
        await File.WriteAllTextAsync(host.Combine("token"), "t\n");

        var outcome = await fixture.RunShellAsync("cat /home/user/.token", process => process with { Mounts = [new BindMount(host.Combine("token"), "/home/user/.token")] });

        Assert.Equal(["t"], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task Tmpfs_and_bind_mounts_are_seen_but_not_kept()
    {
        using var host = new TempDirectory("buildfarm-bind");
        await File.WriteAllTextAsync(host.Combine("input"), "from the host\n");

        var outcome = await fixture.RunShellAsync(
            "cat /src/input; echo cached > /cache/file; cat /cache/file; touch /src/new 2>&1; echo status $?",
            process => process with { Mounts = [new BindMount(host.Path, "/src"), new TmpfsMount("/cache", 1 << 20)] });

        Assert.Equal(["from the host", "cached", "touch: /src/new: Read-only file system", "status 1"], outcome.Stdout);
        Assert.Equal(["input"], Directory.EnumerateFileSystemEntries(host.Path).Select(Path.GetFileName));
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task Exec_form_runs_without_a_shell()
    {
        var outcome = await fixture.RunAsync(
            new SandboxProcess { Arguments = ["echo", "$HOME", "two words"], Environment = [EngineFixture.Path] },
            [fixture.Busybox]);

        Assert.Equal(["$HOME two words"], outcome.Stdout);
    }
}
