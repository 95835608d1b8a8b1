using System.Text;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Mounts;

[Collection(EngineCollection.Name)]
public sealed class TmpfsAndSecretMountTests(EngineFixture fixture) : IDisposable
{
    private const string Token = "s3cr3t-t0ken-value";

    private readonly TempDirectory _context = new("buildfarm-context");

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task A_tmpfs_has_the_size_asked_for_and_stays_out_of_the_layer()
    {
        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=type=tmpfs,target=/scratch,size=1m grep ' /scratch ' /proc/mounts; dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>&1 | head -1",
            sources: null);

        Assert.Equal(["tmpfs /scratch tmpfs rw,nosuid,nodev,relatime,size=1024k 0 0", "dd: error writing '/scratch/big': No space left on device"], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_read_only_tmpfs_is_mounted_read_only()
    {
        var outcome = await fixture.RunMountedAsync("RUN --mount=type=tmpfs,target=/t,ro grep ' /t ' /proc/mounts", sources: null);

        Assert.Equal(["tmpfs /t tmpfs ro,nosuid,nodev,relatime 0 0"], outcome.Stdout);
    }

    [Fact]
    public async Task A_secret_is_a_read_only_file_in_memory_and_never_in_the_layer()
    {
        var sources = Sources();

        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=type=secret,id=token cat /run/secrets/token; echo; stat -c '%a %u:%g' /run/secrets/token; grep -c ' /run/secrets/token tmpfs ro,' /proc/mounts; cp /run/secrets/token /copied-on-purpose 2>/dev/null; echo done > /done",
            sources);

        Assert.Equal([Token, "400 0:0", "1"], outcome.Stdout);
        var layer = await Layers.ReadAsync(fixture.Store, outcome.Layer);
        Assert.Equal(
            [LayerItem.File("copied-on-purpose", Token, mode: 0b100_000_000), LayerItem.File("done", "done\n")],
            layer);
        Assert.Empty(fixture.ExecLeftovers());
        Assert.Empty(MountedSteps.MountsUnder(fixture.DataDirectory));
    }

    [Fact]
    public async Task Only_what_the_step_itself_writes_can_carry_a_secret_into_a_layer()
    {
        var sources = Sources();

        var outcome = await fixture.RunMountedAsync("RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /length", sources);

        var layer = await Layers.ReadAsync(fixture.Store, outcome.Layer);
        Assert.Equal([LayerItem.File("length", $"{Token.Length}\n")], layer);
        Assert.DoesNotContain(layer, item => item.Name.Contains("secrets", StringComparison.Ordinal) || (item.Content?.Contains(Token, StringComparison.Ordinal) ?? false));
    }

    [Fact]
    public async Task A_secret_file_gets_its_target_owner_and_mode()
    {
        var sources = Sources();

        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=type=secret,id=token,target=/home/user/.token,mode=0440,uid=1000,gid=1000 stat -c '%a %U:%G' /home/user/.token && cat /home/user/.token",
            sources,
            configure: process => process with { User = "user" });

        Assert.Equal(["440 user:user", Token], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_secret_can_be_an_environment_variable_only()
    {
        var sources = Sources();

        var outcome = await fixture.RunMountedAsync("RUN --mount=type=secret,id=token,env=API_TOKEN echo \"$API_TOKEN\"; ls /run/secrets 2>&1; true", sources);

        Assert.Equal([Token, "ls: /run/secrets: No such file or directory"], outcome.Stdout);
    }

    [Fact]
    public async Task A_secret_variable_replaces_one_of_the_same_name()
    {
        var sources = Sources();

        var outcome = await fixture.RunMountedAsync(
            "RUN --mount=type=secret,id=token,env=API_TOKEN env | grep -c API_TOKEN; echo \"$API_TOKEN\"",
            sources,
            configure: process => process with { Environment = [.. process.Environment, "API_TOKEN=placeholder"] });

        Assert.Equal(["1", Token], outcome.Stdout);
    }

    [Fact]
    public async Task A_missing_required_secret_is_an_error_naming_it()
    {
        var error = await Assert.ThrowsAsync<RunMountException>(() =>
            fixture.RunMountedAsync("RUN --mount=type=tmpfs,target=/t --mount=type=secret,id=npmrc,required true", Sources()));

        Assert.Equal("secret npmrc: not found", error.Message);
        Assert.Empty(MountedSteps.MountsUnder(fixture.DataDirectory));
        Assert.Empty(fixture.ExecLeftovers());
    }

    [Fact]
    public async Task A_missing_optional_secret_is_skipped()
    {
        var outcome = await fixture.RunMountedAsync("RUN --mount=type=secret,id=npmrc,env=NPMRC ls /run/secrets/npmrc 2>&1; echo \"[$NPMRC]\"", Sources());

        Assert.Equal(["ls: /run/secrets/npmrc: No such file or directory", "[]"], outcome.Stdout);
    }

    [Fact]
    public async Task The_runtime_spec_holding_a_secret_variable_stays_in_memory()
    {
        var sources = Sources();
        await using var mounts = await RunMounts.PrepareAsync(MountedSteps.Plan("RUN --mount=type=secret,id=token,env=T true"), sources, fixture.Engine);

        Assert.Equal([$"T={Token}"], mounts.Environment);
        Assert.Empty(mounts.Mounts);
        Assert.Contains(MountedSteps.MountsUnder(fixture.DataDirectory), point => point == mounts.PrivateDirectory);
        Assert.Equal("tmpfs", File.ReadAllLines("/proc/self/mounts").Select(static l => l.Split(' ')).Single(f => f[1] == mounts.PrivateDirectory)[2]);
    }

    private TestMountSources Sources()
    {
        var sources = new TestMountSources(_context.Path);
        sources.SecretValues["token"] = Token;
        return sources;
    }
}
