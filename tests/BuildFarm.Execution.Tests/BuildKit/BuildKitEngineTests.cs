using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Tests.BuildKit.Cases;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci.Layout;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Steps;
using BuildFarm.Testing;
using BuildFarm.Testing.FileTrees;

namespace BuildFarm.Execution.Tests.BuildKit;

/// <summary>
/// BuildKit's Dockerfile integration tests (Cases/BuildKitCases.cs, README.md) built by the engine
/// from the context directory: the image's files and config, the steps' names, or the error, as
/// BuildKit's test expects them. BuildFarm.Cli.Tests builds the same cases with <c>farm build</c>.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class BuildKitEngineTests(EngineFixture fixture)
{
    public static TheoryData<string> CaseNames() => [.. BuildKitCases.Runnable.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task The_engine_builds_the_case_as_BuildKit_expects(string name)
    {
        var @case = BuildKitCases.Named(name);
        using var directory = new TempDirectory("buildkit-case");
        // A step cache of the case's own: no case's result is another's hit. The cache mounts and
        // snapshots are the fixture's, shared as in one BuildKit daemon.
        var engine = new BuildEngine(fixture.Engine, fixture.Store, new LocalStepCache(new StepRecordStore(directory.CreateDirectory("steps"))));
        foreach (var image in @case.Images)
        {
            var built = await BuildAsync(engine, await BuildKitCase.CopyDataAsync(image.Data, directory.Combine(image.Data)), "Dockerfile", new BuildKitCase(image.Data, "prerequisite"));
            fixture.Store.Images.Set(image.Name, built.Manifest);
        }

        var context = await BuildKitCase.CopyDataAsync(@case.Data, directory.Combine("context"));

        if (@case.Error is { } error)
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => BuildAsync(engine, context, @case.Dockerfile, @case));
            Assert.Equal(error, BuildKitCase.WithoutContextPath(failure.Message.Split('\n')[0], context));
            return;
        }

        var result = await BuildAsync(engine, context, @case.Dockerfile, @case);
        var layout = directory.Combine("layout");
        await OciLayout.ExportToDirectoryAsync(new ContentStoreBlobs(fixture.Store), [new TaggedImage(result.Manifest, ["case"])], layout);
        Assert.Equal(@case.Expected, @case.Observe(await ImageContents.ReadLayoutAsync(layout)));
        if (@case.StepNames.Count > 0)
        {
            Assert.Equal(@case.StepNames, result.Steps.Select(s => s.Name));
        }
    }

    private static Task<BuildResult> BuildAsync(BuildEngine engine, string context, string dockerfile, BuildKitCase @case) =>
        engine.BuildAsync(new BuildRequest
        {
            ContextDirectory = context,
            DockerfilePath = dockerfile,
            BuildArgs = @case.BuildArgs,
            Target = @case.Target,
            Labels = @case.Labels,
            Entitlements = @case.Entitlements,
        });
}
