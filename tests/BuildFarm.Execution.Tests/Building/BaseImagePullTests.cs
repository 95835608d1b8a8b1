using System.Text;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Building;

/// <summary>A store that starts empty (nothing loaded, nothing unpacked) and a real registry that skopeo fills.</summary>
public sealed class EmptyStoreWithRegistryFixture : EngineFixture
{
    public RegistryServer Registry { get; private set; } = null!;

    protected override bool LoadsBusybox => false;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Registry = await RegistryServer.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await Registry.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// Base images the farm never loaded, pulled from a real registry as builds need them: FROM,
/// COPY --from=image and RUN --mount from=image, once per build; <c>--pull</c> for a moved tag.
/// Each test uses repositories of its own.
/// </summary>
public sealed class BaseImagePullTests : IClassFixture<EmptyStoreWithRegistryFixture>, IDisposable
{
    private readonly EmptyStoreWithRegistryFixture _fixture;
    private readonly RecordingHandler _handler = new();
    private readonly RegistryClient _registry;
    private readonly TestBuild _build;

    public BaseImagePullTests(EmptyStoreWithRegistryFixture fixture)
    {
        _fixture = fixture;
        _registry = new RegistryClient(new RegistryClientOptions(), _handler);
        _build = new TestBuild(fixture, baseImages: new RegistryBaseImages(_fixture.Store, _registry));
    }

    private string Host => _fixture.Registry.Host;

    [Fact]
    public async Task Two_stages_from_an_image_the_store_lacks_pull_it_once()
    {
        var busybox = await PushBusyboxAsync("twice/busybox:latest");
        var reference = $"{Host}/twice/busybox:latest";

        var outcome = await _build.BuildAsync($"""
            FROM {Host}/twice/busybox AS one
            RUN echo one > /one
            FROM {Host}/twice/busybox:latest
            COPY --from=one /one /one
            RUN cat /one
            """);

        Assert.Equal([(reference, busybox, true)], Resolutions(outcome));
        Assert.Equal(["one"], outcome.Output);
        Assert.Equal(1, ManifestGets("twice/busybox", "latest"));
        Assert.Equal(busybox, _fixture.Store.Images.Get(reference)?.Target.Digest.ToString());
    }

    [Fact]
    public async Task Copy_from_an_image_the_store_lacks_pulls_it()
    {
        var busybox = await PushBusyboxAsync("copy/busybox:1.0");

        var outcome = await _build.BuildAsync($"""
            FROM scratch
            COPY --from={Host}/copy/busybox:1.0 /bin/busybox /busybox
            """);

        Assert.Equal([($"{Host}/copy/busybox:1.0", busybox, true)], Resolutions(outcome));
        Assert.Equal(1, ManifestGets("copy/busybox", "1.0"));
        var layer = Assert.Single(outcome.Result.Steps).Layer!;
        Assert.Equal([LayerItem.File("busybox", await File.ReadAllTextAsync("/bin/busybox", Encoding.UTF8), 0b111_101_101)], await Layers.ReadAsync(_fixture.Store, layer));
    }

    [Fact]
    public async Task A_mount_from_an_image_the_store_lacks_pulls_it()
    {
        var busybox = await PushBusyboxAsync("mount/base:latest");
        await PushBusyboxAsync("mount/tools:2");

        var outcome = await _build.BuildAsync($"""
            FROM {Host}/mount/base
            RUN --mount=from={Host}/mount/tools:2,target=/tools ls /tools/bin/busybox
            """);

        Assert.Equal([($"{Host}/mount/base:latest", busybox, true), ($"{Host}/mount/tools:2", busybox, true)], Resolutions(outcome));
        Assert.Equal(["/tools/bin/busybox"], outcome.Output);
        Assert.Equal(1, ManifestGets("mount/tools", "2"));
    }

    [Fact]
    public async Task A_tag_the_registry_lacks_fails_naming_the_reference_and_the_registry()
    {
        await PushBusyboxAsync("lacks/busybox:latest");

        var error = await Assert.ThrowsAsync<BaseImageNotFoundException>(() => _build.BuildAsync($"""
            FROM {Host}/lacks/busybox:nope
            RUN true
            """));

        Assert.Equal(
            $"base image {Host}/lacks/busybox:nope: pulling it from {Host} failed: GET http://{Host}/v2/lacks/busybox/manifests/nope: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown",
            error.Message);
        Assert.Null(_fixture.Store.Images.Get($"{Host}/lacks/busybox:nope"));
    }

    [Fact]
    public async Task Pull_picks_up_a_moved_tag_while_the_default_uses_the_stored_image()
    {
        var busybox = await PushBusyboxAsync("moved/base:latest");
        var reference = $"{Host}/moved/base:latest";
        const string Probe = """
            RUN if [ -f /version ]; then cat /version; else echo none; fi
            """;

        // The first build pulls the tag as it is; then the tag moves to an image with /version in it.
        var first = await _build.BuildAsync($"FROM {Host}/moved/base\n{Probe}");
        var next = await _build.BuildAsync($"FROM {Host}/moved/base\nRUN echo two > /version");
        await new ImagePusher(_registry).PushAsync(RepositoryName.Parse($"{Host}/moved/next"), next.Result.Manifest, new ContentStoreBlobs(_fixture.Store), ["1"]);
        await Skopeo.CopyAsync($"docker://{Host}/moved/next:1", $"docker://{Host}/moved/base:latest");
        var moved = next.Result.Manifest.Digest.ToString();

        var stored = await _build.BuildAsync($"FROM {Host}/moved/base\n{Probe}");
        var pulled = await _build.BuildAsync($"FROM {Host}/moved/base\n{Probe}", pull: true);

        Assert.Equal([(reference, busybox, true)], Resolutions(first));
        Assert.Equal(["none"], first.Output);
        Assert.Equal([(reference, busybox, false)], Resolutions(stored));
        Assert.Equal([StepOutcome.Cached], stored.Outcomes);
        Assert.Equal(first.Result.Steps.Single().Key, stored.Result.Steps.Single().Key);
        Assert.Equal([(reference, moved, true)], Resolutions(pulled));
        Assert.Equal(["two"], pulled.Output);
        Assert.Equal([StepOutcome.Ran], pulled.Outcomes);
        Assert.Equal(moved, _fixture.Store.Images.Get(reference)?.Target.Digest.ToString());
        Assert.Equal(2, ManifestGets("moved/base", "latest"));
    }

    [Fact]
    public async Task Pull_leaves_an_image_named_by_digest_as_stored()
    {
        var busybox = await PushBusyboxAsync("pinned/busybox:latest");
        var dockerfile = $"FROM {Host}/pinned/busybox@{busybox}\nRUN echo pinned\n";

        // Pulled, or found by digest when another test of the class pulled busybox already.
        var first = await _build.BuildAsync(dockerfile);
        var asked = _handler.Requests.Count;
        var again = await _build.BuildAsync(dockerfile, pull: true);

        var resolved = Assert.Single(Resolutions(first));
        Assert.Equal(($"{Host}/pinned/busybox@{busybox}", busybox), (resolved.Reference, resolved.Digest));
        Assert.Equal([($"{Host}/pinned/busybox@{busybox}", busybox, false)], Resolutions(again));
        Assert.Equal([StepOutcome.Cached], again.Outcomes);
        Assert.Equal(asked, _handler.Requests.Count);
    }

    [Fact]
    public async Task Pulls_of_one_image_at_the_same_time_are_one_pull_and_a_failed_pull_is_not_remembered()
    {
        var busybox = await PushBusyboxAsync("shared/busybox:latest");
        var images = new RegistryBaseImages(_fixture.Store, _registry);
        var platform = Platform.Parse("linux/amd64");
        var reference = ImageReference.Parse($"{Host}/shared/busybox:latest");
        var missing = ImageReference.Parse($"{Host}/shared/busybox:nope");

        // The second starts while the first is still waiting for the registry's answer.
        await Task.WhenAll(images.PullAsync(reference, platform, CancellationToken.None), images.PullAsync(reference, platform, CancellationToken.None));
        await images.PullAsync(reference, platform, CancellationToken.None); // after them: a pull of its own
        await Assert.ThrowsAsync<BaseImageNotFoundException>(() => images.PullAsync(missing, platform, CancellationToken.None));
        await Assert.ThrowsAsync<BaseImageNotFoundException>(() => images.PullAsync(missing, platform, CancellationToken.None));

        Assert.Equal(2, ManifestGets("shared/busybox", "latest"));
        Assert.Equal(2, ManifestGets("shared/busybox", "nope"));
        Assert.Equal(busybox, _fixture.Store.Images.Get(reference.ToString())?.Target.Digest.ToString());
    }

    public void Dispose()
    {
        _build.Dispose();
        _registry.Dispose();
        _handler.Dispose();
    }

    private static IReadOnlyList<(string Reference, string Digest, bool Pulled)> Resolutions(BuildOutcome outcome) =>
        [.. outcome.Events.OfType<BaseImageResolved>().Select(static e => (e.Reference, e.Digest.ToString(), e.Pulled))];

    private int ManifestGets(string repository, string tag) =>
        _handler.Requests.Count(r => r.Method == HttpMethod.Get && r.PathAndQuery == $"/v2/{repository}/manifests/{tag}");

    /// <summary>Copies the busybox image to <c>registry/<paramref name="repositoryAndTag"/></c> with skopeo; returns its manifest digest.</summary>
    private async Task<string> PushBusyboxAsync(string repositoryAndTag)
    {
        var busybox = await BusyboxImage.GetAsync();
        await Skopeo.CopyAsync($"oci-archive:{busybox.ArchivePath}:{BusyboxImage.RefName}", $"docker://{Host}/{repositoryAndTag}");
        return busybox.ManifestDigest;
    }
}
