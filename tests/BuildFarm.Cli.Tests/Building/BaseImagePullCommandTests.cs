using System.Text.Json;
using BuildFarm.Cli.Tests.Images;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Building;

/// <summary><c>farm build</c> from a base image the farm never loaded, on a real registry that skopeo fills; <c>--pull</c>.</summary>
public sealed class BaseImagePullCommandTests(RegistryFixture registry) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly FarmSession _farm = new();

    private string Host => registry.Server.Host;

    [Fact]
    public async Task A_build_pulls_the_base_image_the_farm_lacks_and_pull_asks_the_registry_again()
    {
        var busybox = await Busybox.GetAsync();
        await Skopeo.CopyAsync($"oci-archive:{busybox.ArchivePath}:{BusyboxImage.RefName}", $"docker://{Host}/cli/base:latest");
        var reference = $"{Host}/cli/base:latest";
        var dockerfile = $"FROM {Host}/cli/base\nRUN echo hello\n";

        var first = await BuildAsync(dockerfile);
        var stored = await BuildAsync(dockerfile);
        var pulled = await BuildAsync(dockerfile, "--pull");

        Assert.True(first.ExitCode == 0, first.Error);
        // The first build's client asked the farm for the image's config (its ONBUILD triggers
        // decide what the context sends): that pulled it, so the build finds it stored.
        Assert.StartsWith($"#1 [internal] load metadata for {reference}\n#1 resolved {reference}@{busybox.ManifestDigest}\n#2 [2/2] RUN echo hello\n#2 ", first.Error, StringComparison.Ordinal);
        Assert.Matches(@"^#2 \d+\.\d{3} hello$", first.Error.Split('\n')[3]);
        Assert.StartsWith($"#1 [internal] load metadata for {reference}\n#1 resolved {reference}@{busybox.ManifestDigest}\n#2 [2/2] RUN echo hello\n#2 CACHED\n", stored.Error, StringComparison.Ordinal);
        Assert.StartsWith($"#1 [internal] load metadata for {reference}\n#1 pulled {reference}@{busybox.ManifestDigest}\n#2 [2/2] RUN echo hello\n#2 CACHED\n", pulled.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_onbuild_trigger_of_a_base_image_the_farm_lacks_gets_the_context_file_it_reads()
    {
        // Another farm makes the base image and pushes it; this one never had it.
        string digest;
        using (var other = new FarmSession())
        {
            await other.LoadBusyboxAsync();
            var metadata = other.Combine("base.json");
            var pushed = await BuildAsync(other, "FROM busybox\nONBUILD COPY trigger.txt /x/\n", "-t", $"{Host}/cli/onbuild:1", "--push", "--metadata-file", metadata);
            Assert.True(pushed.ExitCode == 0, pushed.Error);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(metadata));
            digest = json.RootElement.GetProperty("containerimage.digest").GetString()!;
        }

        var result = await BuildAsync(_farm, $"FROM {Host}/cli/onbuild:1\nRUN cat /x/trigger.txt\n");

        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Error.Split('\n');
        Assert.Equal($"#1 [internal] load metadata for {Host}/cli/onbuild:1", lines[0]);
        Assert.Equal($"#1 resolved {Host}/cli/onbuild:1@{digest}", lines[1]);
        Assert.Equal("#2 [2/3] COPY trigger.txt /x/", lines[2]);
        Assert.Contains("#3 [3/3] RUN cat /x/trigger.txt", lines);
        Assert.Single(lines, line => line.EndsWith(" from the trigger's file", StringComparison.Ordinal));
    }

    public void Dispose() => _farm.Dispose();

    private Task<FarmResult> BuildAsync(string dockerfile, params string[] options) => BuildAsync(_farm, dockerfile, options);

    private static Task<FarmResult> BuildAsync(FarmSession farm, string dockerfile, params string[] options)
    {
        var context = Directory.CreateDirectory(farm.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(context, "trigger.txt"), "from the trigger's file\n");
        return farm.RunAsync(["build", "--progress", "plain", .. options, context]);
    }
}
