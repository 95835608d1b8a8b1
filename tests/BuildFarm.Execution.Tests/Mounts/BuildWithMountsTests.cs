using BuildFarm.Execution.Building;
using BuildFarm.Execution.Tests.TestSupport;

namespace BuildFarm.Execution.Tests.Mounts;

/// <summary>RUN --mount through the whole build engine: plan, sources, cache key, step, layer.</summary>
[Collection(EngineCollection.Name)]
public sealed class BuildWithMountsTests(EngineFixture fixture)
{
    [Fact]
    public async Task A_build_mounts_its_context_a_stage_a_cache_and_a_secret()
    {
        using var build = new TestBuild(fixture);
        build.Write("input.txt", "from the context\n");
        var secrets = new TestMountSources(build.ContextDirectory);
        secrets.SecretValues["tok"] = "the-secret";
        const string Dockerfile = """
            FROM busybox AS tools
            RUN echo tool > /tool
            FROM busybox
            RUN --mount=type=cache,id=build-engine,target=/cache --mount=from=tools,source=/tool,target=/t --mount=source=input.txt,target=/in --mount=type=secret,id=tok,env=TOK \
                cat /t /in; echo "$TOK"; echo cached >> /cache/f; cat /cache/f; echo done > /done
            """;

        var first = await build.BuildAsync(Dockerfile, secrets: secrets);
        var again = await build.BuildAsync(Dockerfile, secrets: secrets, noCache: true);

        Assert.Equal(["tool", "from the context", "the-secret", "cached"], first.Output);
        Assert.Equal(["tool", "from the context", "the-secret", "cached", "cached"], again.Output);
        Assert.Equal([LayerItem.File("done", "done\n")], await Layers.ReadAsync(fixture.Store, first.Result.Steps[^1].Layer!));
    }

    [Fact]
    public async Task A_missing_required_secret_fails_the_step_at_its_line()
    {
        using var build = new TestBuild(fixture);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync("FROM busybox\nRUN --mount=type=secret,id=absent,required true\n"));

        // The planner's canonical text of the step, then the mount's own error.
        Assert.Equal(
            "Dockerfile:2: RUN --mount=type=secret,target=/run/secrets/absent,id=absent,ro,required true: secret absent: not found",
            error.Message);
        Assert.IsType<Execution.Mounts.RunMountException>(error.InnerException);
    }
}
