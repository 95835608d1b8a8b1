using System.Collections.Concurrent;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Storage.Steps;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Caching;

/// <summary>
/// The engine tells the step cache which key each one follows: the stage's last key resolved
/// before it, none for a stage's first step, and never a step that makes no layer.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class StepChainTests(EngineFixture fixture)
{
    [Fact]
    public async Task Each_key_follows_the_last_key_its_stage_resolved_before_it_and_a_stage_first_step_follows_none()
    {
        using var steps = new TempDirectory("buildfarm-steps");
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        build.Write("a.txt", "a\n").Write("Dockerfile", """
            FROM busybox AS tools
            RUN echo one > /one
            ENV TOOL=two
            RUN echo "$TOOL" > /two
            FROM busybox
            COPY a.txt /a.txt
            LABEL stage=last
            COPY --from=tools /two /two
            """);
        var cache = new ChainRecordingCache(new LocalStepCache(new StepRecordStore(steps.Path)));
        var engine = new BuildEngine(fixture.Engine, fixture.Store, cache);

        var built = await engine.BuildAsync(new BuildRequest { ContextTree = await build.SendContextAsync() });

        var keyOf = built.Steps.Where(step => step.Outcome != StepOutcome.ConfigOnly).ToDictionary(step => step.Key, step => step.Name);
        var chain = cache.Resolved.Select(link => (keyOf[link.Key], link.After is { } after ? keyOf[after] : null)).Order().ToList();
        Assert.Equal(
            [
                ("[stage-1 2/4] COPY a.txt /a.txt", null),
                ("[stage-1 4/4] COPY --from=tools /two /two", "[stage-1 2/4] COPY a.txt /a.txt"),
                ("[tools 2/4] RUN echo one > /one", null),
                ("[tools 4/4] RUN echo \"$TOOL\" > /two", "[tools 2/4] RUN echo one > /one"),
            ],
            chain);
    }

    private sealed class ChainRecordingCache(IStepCache inner) : IStepCache
    {
        public ConcurrentQueue<(Digest Key, Digest? After)> Resolved { get; } = new();

        public Task<(CachedStep Result, StepOutcome Outcome)> ResolveAsync(Digest key, Digest? after, bool reuse, Func<CachedStep, bool> isUsable, Func<CancellationToken, Task<CachedStep>> run, CancellationToken cancellationToken)
        {
            Resolved.Enqueue((key, after));
            return inner.ResolveAsync(key, after, reuse, isUsable, run, cancellationToken);
        }
    }
}
