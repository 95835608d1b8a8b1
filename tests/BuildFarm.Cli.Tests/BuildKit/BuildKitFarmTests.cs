using System.Text.Json;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Execution.Tests.BuildKit.Cases;
using BuildFarm.Testing;
using BuildFarm.Testing.FileTrees;

namespace BuildFarm.Cli.Tests.BuildKit;

/// <summary>One farm server (in process, real runc) with busybox loaded, shared by every BuildKit case.</summary>
public sealed class BuildKitFarmFixture : IAsyncLifetime
{
    private readonly FarmSession _farm = new();

    internal Uri Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _farm.LoadBusyboxAsync();
        Server = await _farm.StartServerAsync();
    }

    public Task DisposeAsync()
    {
        _farm.Dispose();
        return Task.CompletedTask;
    }

    internal Task<FarmResult> BuildAsync(params string[] args) => _farm.RunAsync(["build", "--server", Server.ToString(), "--progress", "quiet", .. args]);
}

/// <summary>
/// The BuildKit cases of BuildFarm.Execution.Tests/BuildKit (their list is compiled into this
/// project from there) built with <c>farm build</c> against a farm server: the context goes as a
/// client sends it, the image comes back as an OCI archive, and the outcome must be the one BuildKit's
/// test expects, as in the engine's run.
/// </summary>
public sealed class BuildKitFarmTests(BuildKitFarmFixture farm) : IClassFixture<BuildKitFarmFixture>
{
    public static TheoryData<string> CaseNames() => [.. BuildKitCases.Runnable.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Farm_build_builds_the_case_as_BuildKit_expects(string name)
    {
        var @case = BuildKitCases.Named(name);
        using var directory = new TempDirectory("buildkit-farm-case");
        foreach (var image in @case.Images)
        {
            var prerequisite = await farm.BuildAsync("-t", image.Name, await BuildKitCase.CopyDataAsync(image.Data, directory.Combine(image.Data)));
            Assert.True(prerequisite.ExitCode == 0, prerequisite.Error);
        }

        var context = await BuildKitCase.CopyDataAsync(@case.Data, directory.Combine("context"));
        var archive = directory.Combine("image.oci.tar");
        var metadata = directory.Combine("metadata.json");
        var result = await farm.BuildAsync([.. Options(@case, context), "-o", $"type=oci,dest={archive}", "--metadata-file", metadata, context]);

        if (@case.Error is { } error)
        {
            Assert.Equal(1, result.ExitCode);
            var line = result.Error.Split('\n').SingleOrDefault(l => l.StartsWith("Error: ", StringComparison.Ordinal));
            Assert.True(line is not null, $"farm build printed no error line:\n{result.Error}");
            Assert.Equal(error, BuildKitCase.WithoutContextPath(line["Error: ".Length..], context));
            return;
        }

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(@case.Expected, @case.Observe(await ImageContents.ReadArchiveAsync(archive, directory.Combine("layout"))));
        if (@case.StepNames.Count > 0)
        {
            using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(metadata));
            Assert.Equal(@case.StepNames, document.RootElement.GetProperty("buildfarm.steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        }
    }

    private static IEnumerable<string> Options(BuildKitCase @case, string context)
    {
        if (@case.Dockerfile != "Dockerfile")
        {
            yield return "-f";
            yield return Path.Combine(context, @case.Dockerfile);
        }

        foreach (var (key, value) in @case.BuildArgs)
        {
            yield return "--build-arg";
            yield return $"{key}={value}";
        }

        foreach (var (key, value) in @case.Labels)
        {
            yield return "--label";
            yield return $"{key}={value}";
        }

        foreach (var entitlement in @case.Entitlements)
        {
            yield return "--allow";
            yield return entitlement;
        }

        if (@case.Target is { } target)
        {
            yield return "--target";
            yield return target;
        }
    }
}
