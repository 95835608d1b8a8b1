using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Building;

/// <summary>
/// <c>farm build --add-host</c> and <c>--allow network.host</c>, and <c>farm server
/// --allow-insecure-entitlement network.host</c>, end to end: RUN steps fetch from the test's own
/// "internet" (<see cref="InternetNamespace"/>), by a name given with --add-host and over the host's network.
/// </summary>
public sealed class BuildNetworkCommandTests : IAsyncLifetime
{
    private readonly FarmSession _farm = new();
    private InternetNamespace _internet = null!;

    private string Context => _farm.Combine("context");

    public async Task InitializeAsync()
    {
        _internet = await InternetNamespace.StartAsync();
        await _farm.LoadBusyboxAsync();
        Directory.CreateDirectory(Context);
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), $"""
            FROM busybox
            RUN wget -q -O - http://mirror.example/index.html
            RUN --network=host wget -q -O - http://{_internet.ServerAddress}/index.html
            """);
    }

    public async Task DisposeAsync()
    {
        _farm.Dispose();
        await _internet.DisposeAsync();
    }

    [Fact]
    public async Task A_build_reaches_an_added_host_and_the_host_network_when_it_asks_and_the_server_grants()
    {
        await _farm.RestartServerAsync("--allow-insecure-entitlement", "network.host");

        var result = await _farm.RunAsync("build", "--progress", "rawjson", "--add-host", $"mirror.example:{_internet.ServerAddress}", "--allow", "network.host", Context);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.Error.Split(InternetNamespace.PageContent).Length - 1);
    }

    [Fact]
    public async Task A_build_that_asks_for_the_host_network_fails_on_a_server_that_does_not_grant_it()
    {
        var result = await _farm.RunAsync("build", "--progress", "quiet", "--allow", "network.host", Context);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: granting entitlement network.host is not allowed by build daemon configuration\n", result.Error);
    }

    [Fact]
    public async Task The_server_grants_no_entitlement_but_network_host()
    {
        var result = await FarmRunner.RunAsync(["--data-dir", _farm.DataDirectory, "server", "--allow-insecure-entitlement", "security.insecure"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("--allow-insecure-entitlement \"security.insecure\" cannot be granted: only network.host can.\n", result.Error, StringComparison.Ordinal);
    }
}
