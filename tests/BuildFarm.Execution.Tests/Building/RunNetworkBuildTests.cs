using BuildFarm.Execution.Building;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Building;

/// <summary>Builds whose RUN steps use the network: <c>--add-host</c> and the network.host entitlement, on an engine that grants it.</summary>
[Collection(StepNetworkCollection.Name)]
public sealed class RunNetworkBuildTests(StepNetworkFixture fixture)
{
    private InternetNamespace Internet => fixture.Internet;

    [Fact]
    public async Task Added_hosts_reach_the_steps_and_are_part_of_a_run_steps_key()
    {
        using var build = new TestBuild(fixture);
        build.Write("Dockerfile", "FROM busybox\nRUN wget -q -O /page http://mirror.example/index.html\nWORKDIR /app\n");
        var mirror = $"mirror.example:{Internet.ServerAddress}";

        var first = await BuildAsync(build, [mirror]);
        var again = await BuildAsync(build, [mirror]);
        var more = await BuildAsync(build, [mirror, $"other.example:{Internet.ServerAddress}"]);

        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran], first.Result.Steps.Select(static s => s.Outcome));
        Assert.Equal([LayerItem.File("page", InternetNamespace.PageContent + "\n", mode: 0b110_100_100)], await Layers.ReadAsync(fixture.Store, first.Result.Steps[0].Layer!));
        Assert.Equal([StepOutcome.Cached, StepOutcome.Cached], again.Result.Steps.Select(static s => s.Outcome));

        // The RUN step's key changed; WORKDIR's did not, and its layer below is the same one.
        Assert.Equal([StepOutcome.Ran, StepOutcome.Cached], more.Result.Steps.Select(static s => s.Outcome));
        Assert.Equal(first.Result.Manifest, more.Result.Manifest);
    }

    [Fact]
    public async Task A_host_network_step_runs_when_the_build_asks_and_the_engine_grants()
    {
        using var build = new TestBuild(fixture);
        build.Write("Dockerfile", $"FROM busybox\nRUN --network=host wget -q -O - http://{Internet.ServerAddress}/index.html\n");

        var outcome = await BuildAsync(build, [], [Entitlements.NetworkHost]);

        Assert.Equal([InternetNamespace.PageContent], outcome.Output);
    }

    [Fact]
    public async Task A_host_network_step_fails_the_build_before_anything_runs_when_the_build_did_not_ask()
    {
        using var build = new TestBuild(fixture);
        build.Write("Dockerfile", "FROM busybox\nRUN echo first\nRUN --network=host true\n");
        var events = new List<BuildEvent>();

        var error = await Assert.ThrowsAsync<EntitlementException>(() => build.Engine.BuildAsync(
            new BuildRequest { ContextDirectory = build.ContextDirectory },
            (e, _) =>
            {
                events.Add(e);
                return ValueTask.CompletedTask;
            }));

        Assert.Equal("network.host is not allowed", error.Message);
        Assert.Equal(["[internal] load metadata for docker.io/library/busybox:latest"], events.Select(e => e.Name)); // the base image was resolved; no step ran
    }

    private static async Task<BuildOutcome> BuildAsync(TestBuild build, IReadOnlyList<string> extraHosts, IReadOnlyList<string>? entitlements = null)
    {
        var events = new List<BuildEvent>();
        var result = await build.Engine.BuildAsync(
            new BuildRequest
            {
                ContextDirectory = build.ContextDirectory,
                ExtraHosts = [.. extraHosts.Select(ExtraHost.Parse)],
                Entitlements = entitlements ?? [],
            },
            (e, _) =>
            {
                events.Add(e);
                return ValueTask.CompletedTask;
            });
        return new BuildOutcome(result, events);
    }
}

/// <summary>Entitlements on an engine that grants none.</summary>
[Collection(EngineCollection.Name)]
public sealed class EntitlementTests(EngineFixture fixture)
{
    [Theory]
    [InlineData(Entitlements.NetworkHost, "granting entitlement network.host is not allowed by build daemon configuration")]
    [InlineData(Entitlements.SecurityInsecure, "granting entitlement security.insecure is not allowed by build daemon configuration")]
    [InlineData("network.hots", "invalid entitlement: network.hots")]
    public async Task Asking_for_an_entitlement_the_engine_does_not_grant_fails_the_build(string entitlement, string message)
    {
        using var build = new TestBuild(fixture);
        build.Write("Dockerfile", "FROM busybox\nRUN --network=host true\n");

        var error = await Assert.ThrowsAsync<EntitlementException>(() => build.Engine.BuildAsync(
            new BuildRequest { ContextDirectory = build.ContextDirectory, Entitlements = [entitlement] }));

        Assert.Equal(message, error.Message);
    }
}
