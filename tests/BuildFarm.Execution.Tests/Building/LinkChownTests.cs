using BuildFarm.Execution.Building;
using BuildFarm.Execution.Tests.TestSupport;

namespace BuildFarm.Execution.Tests.Building;

/// <summary>
/// <c>COPY --link --chown=NAME</c>: the names are looked up in the stage below the copy (as BuildKit
/// does wherever it applies the copy to that state), the layer gets the ids, and the key counts the
/// ids, not the layers below.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class LinkChownTests(EngineFixture fixture)
{
    private static string Dockerfile(int uid, string extra = "") => $"""
        FROM busybox
        RUN echo 'app:x:{uid}:2345::/home/app:/bin/sh' >> /etc/passwd && echo 'crew:x:3456:' >> /etc/group{extra}
        COPY --link --chown=app f /f
        COPY --link --chown=app:crew f /g
        COPY --link --chown=7:crew f /h
        """;

    [Fact]
    public async Task Names_are_resolved_in_the_stage_below_and_the_key_follows_the_ids_they_resolve_to()
    {
        using var build = new TestBuild(fixture);
        build.Write("f", "content\n");

        var first = await build.BuildAsync(Dockerfile(1234));
        var otherBelow = await build.BuildAsync(Dockerfile(1234, " && touch /other"));
        var otherUid = await build.BuildAsync(Dockerfile(4321));

        Assert.Equal([LayerItem.File("f", "content\n", uid: 1234, gid: 2345)], await Layers.ReadAsync(fixture.Store, first.Result.Steps[1].Layer!));
        Assert.Equal([LayerItem.File("g", "content\n", uid: 1234, gid: 3456)], await Layers.ReadAsync(fixture.Store, first.Result.Steps[2].Layer!));
        Assert.Equal([LayerItem.File("h", "content\n", uid: 7, gid: 3456)], await Layers.ReadAsync(fixture.Store, first.Result.Steps[3].Layer!));
        Assert.Equal([StepOutcome.Ran, StepOutcome.Cached, StepOutcome.Cached, StepOutcome.Cached], otherBelow.Outcomes);
        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran, StepOutcome.Ran, StepOutcome.Cached], otherUid.Outcomes);
        Assert.Equal([LayerItem.File("f", "content\n", uid: 4321, gid: 2345)], await Layers.ReadAsync(fixture.Store, otherUid.Result.Steps[1].Layer!));
        Assert.Equal(
            ["COPY --chown=app f /f # buildkit", "COPY --chown=app:crew f /g # buildkit"],
            first.Result.Config.History!.TakeLast(3).Take(2).Select(h => h.CreatedBy));
    }

    [Fact]
    public async Task A_name_the_stage_below_does_not_know_is_an_error_naming_it()
    {
        using var build = new TestBuild(fixture);
        build.Write("f", "content\n");

        var error = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync("FROM scratch\nCOPY --link --chown=ghost f /f\n"));

        Assert.Equal("Dockerfile:2: COPY --chown=ghost --link f /f: invalid --chown=ghost: unable to find user ghost: no matching entries in passwd file (looked up in /etc/passwd and /etc/group of the destination)", error.Message);
    }
}
