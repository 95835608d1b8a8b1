using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Building;

/// <summary>
/// <c>farm build</c> sends only the context paths a build reads, and those include what a base
/// image's ONBUILD triggers read, which the Dockerfile does not name.
/// </summary>
public sealed class OnbuildContextTests : IAsyncLifetime
{
    private readonly FarmSession _farm = new();

    public async Task InitializeAsync()
    {
        await _farm.LoadBusyboxAsync();
        var result = await BuildAsync("base", "FROM busybox\nONBUILD COPY trigger.txt /x/\n", "-t", "onbuild-base");
        Assert.True(result.ExitCode == 0, result.Error);
    }

    public Task DisposeAsync()
    {
        _farm.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_base_images_onbuild_copy_gets_the_context_file_it_reads()
    {
        var result = await BuildAsync("child", "FROM onbuild-base\nRUN cat /x/trigger.txt\n", "--progress", "plain", "--metadata-file", _farm.Combine("child.json"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("from the trigger's file", result.Error, StringComparison.Ordinal);
        Assert.Contains("[2/3] COPY trigger.txt /x/", result.Error, StringComparison.Ordinal); // the trigger, first
        Assert.Contains("[3/3] RUN cat /x/trigger.txt", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_base_image_that_cannot_be_had_fails_as_the_farm_says_not_for_want_of_context()
    {
        // The farm pulls what it lacks: from a registry on loopback that lacks it too.
        await using var registry = await RegistryServer.StartAsync();
        var result = await BuildAsync("missing", $"FROM {registry.Host}/no-such-base\nCOPY trigger.txt /\n", "--progress", "plain");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"base image {registry.Host}/no-such-base:latest: pulling it from {registry.Host} failed: GET http://{registry.Host}/v2/no-such-base/manifests/latest: 404 Not Found", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not found: \"/trigger.txt\"", result.Error, StringComparison.Ordinal);
    }

    private Task<FarmResult> BuildAsync(string name, string dockerfile, params string[] options)
    {
        var context = Directory.CreateDirectory(_farm.Combine("contexts", name)).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(context, "trigger.txt"), "from the trigger's file\n");
        File.WriteAllText(Path.Combine(context, "unread.txt"), "no step reads this\n");
        return _farm.RunAsync(["build", .. options, context]);
    }
}
