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

    public void Dispose() => _farm.Dispose();

    private Task<FarmResult> BuildAsync(string dockerfile, params string[] options)
    {
        var context = Directory.CreateDirectory(_farm.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        return _farm.RunAsync(["build", "--progress", "plain", .. options, context]);
    }
}
