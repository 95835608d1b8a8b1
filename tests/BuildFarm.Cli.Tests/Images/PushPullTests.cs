using System.Text;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Images;

/// <summary>An anonymous real registry shared by the tests of a class; each test pushes to its own repositories.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    public RegistryServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RegistryServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary><c>farm push</c> and <c>farm pull</c> against a real registry, checked with skopeo.</summary>
public sealed class PushPullTests(RegistryFixture registry) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly FarmSession _farm = new();

    private string Host => registry.Server.Host;

    [Fact]
    public async Task Pushing_a_git_sha_tag_then_latest_uploads_the_layer_once()
    {
        var busybox = await _farm.LoadBusyboxAsync();

        var first = await _farm.RunCheckedAsync("push", "busybox", $"{Host}/push/app:abc123");
        var second = await _farm.RunCheckedAsync("push", "busybox", $"{Host}/push/app:latest");

        Assert.Equal(
            $"The push refers to repository [{Host}/push/app]\n{busybox.ShortLayer}: Pushed\nabc123: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n",
            first);
        Assert.Equal(
            $"The push refers to repository [{Host}/push/app]\n{busybox.ShortLayer}: Layer already exists\nlatest: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n",
            second);
        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{Host}/push/app:abc123"));
        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{Host}/push/app:latest"));
    }

    [Fact]
    public async Task A_name_on_the_registry_pushes_to_itself_and_all_tags_push_together()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        await _farm.RunCheckedAsync("tag", "busybox", $"{Host}/all/app:abc123");
        await _farm.RunCheckedAsync("tag", "busybox", $"{Host}/all/app:latest");
        await _farm.RunCheckedAsync("tag", "busybox", $"{Host}/all/other:latest");

        var single = await _farm.RunCheckedAsync("push", $"{Host}/all/other");
        var all = await _farm.RunCheckedAsync("push", "-a", $"{Host}/all/app");

        Assert.Equal(
            $"The push refers to repository [{Host}/all/other]\n{busybox.ShortLayer}: Pushed\nlatest: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n",
            single);
        Assert.Equal(
            $"The push refers to repository [{Host}/all/app]\n{busybox.ShortLayer}: Pushed\n"
            + $"abc123: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n"
            + $"latest: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n",
            all);
        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{Host}/all/app:abc123"));
        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{Host}/all/app:latest"));
    }

    [Fact]
    public async Task Pulling_what_skopeo_pushed_gives_the_same_manifest_and_a_second_pull_is_up_to_date()
    {
        var busybox = await Busybox.GetAsync();
        await Skopeo.CopyAsync($"oci-archive:{busybox.ArchivePath}:{BusyboxImage.RefName}", $"docker://{Host}/pull/busybox:1.0");

        var first = await _farm.RunCheckedAsync("pull", $"{Host}/pull/busybox:1.0");
        var second = await _farm.RunCheckedAsync("pull", $"{Host}/pull/busybox:1.0");

        var pulled = $"{Host}/pull/busybox:1.0";
        Assert.Equal(
            $"1.0: Pulling from pull/busybox\n{busybox.ShortLayer}: Pull complete\nDigest: {busybox.ManifestDigest}\nStatus: Downloaded newer image for {pulled}\n{pulled}\n",
            first);
        Assert.Equal(
            $"1.0: Pulling from pull/busybox\n{busybox.ShortLayer}: Already exists\nDigest: {busybox.ManifestDigest}\nStatus: Image is up to date for {pulled}\n{pulled}\n",
            second);
        var repositoryColumn = $"{Host}/pull/busybox".Length + 3; // the port's digits vary
        Assert.Equal(
            "REPOSITORY".PadRight(repositoryColumn) + "TAG       DIGEST                                                                    IMAGE ID       CREATED        SIZE\n"
            + $"{Host}/pull/busybox".PadRight(repositoryColumn) + $"1.0       {busybox.ManifestDigest}   {busybox.ShortId}   56 years ago   {busybox.Size}\n",
            await _farm.RunCheckedAsync("images", "--digests"));
    }

    [Fact]
    public async Task Pulling_without_a_tag_says_it_uses_latest()
    {
        var busybox = await Busybox.GetAsync();
        await Skopeo.CopyAsync($"oci-archive:{busybox.ArchivePath}:{BusyboxImage.RefName}", $"docker://{Host}/default/busybox:latest");

        var output = await _farm.RunCheckedAsync("pull", $"{Host}/default/busybox");

        Assert.StartsWith("Using default tag: latest\nlatest: Pulling from default/busybox\n", output);
        Assert.EndsWith($"\n{Host}/default/busybox:latest\n", output);
    }

    [Fact]
    public async Task Pushing_a_pulled_image_to_another_repository_of_the_registry_mounts_its_layer()
    {
        var busybox = await Busybox.GetAsync();
        await Skopeo.CopyAsync($"oci-archive:{busybox.ArchivePath}:{BusyboxImage.RefName}", $"docker://{Host}/mount/base:1");
        await _farm.RunCheckedAsync("pull", $"{Host}/mount/base:1");

        var output = await _farm.RunCheckedAsync("push", $"{Host}/mount/base:1", $"{Host}/mount/app:1");

        Assert.Equal(
            $"The push refers to repository [{Host}/mount/app]\n{busybox.ShortLayer}: Mounted from mount/base\n1: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n",
            output);
    }

    [Fact]
    public async Task Pulling_a_missing_tag_reports_the_registry_error()
    {
        var result = await _farm.RunAsync("pull", $"{Host}/missing/app:v9");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"v9: Pulling from missing/app\n", result.Output);
        Assert.Equal(
            $"Error: GET http://{Host}/v2/missing/app/manifests/v9: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown\n",
            result.Error);
    }

    public void Dispose() => _farm.Dispose();
}

/// <summary>
/// Pushing to a registry that wants a password, and building from a base image on it: the farm
/// server pushes and pulls with the credentials of the docker config.json it was started with.
/// </summary>
public sealed class AuthenticatedPushTests : IAsyncLifetime, IDisposable
{
    private readonly FarmSession _farm = new();
    private RegistryServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RegistryServer.StartAsync(new RegistryServerOptions
        {
            Auth = RegistryAuth.Htpasswd,
            Users = new Dictionary<string, string> { ["alice"] = "s3cret" },
        });

    [Fact]
    public async Task Without_credentials_the_push_fails_with_the_registry_s_answer()
    {
        var busybox = await _farm.LoadBusyboxAsync();

        var result = await _farm.RunAsync("push", "busybox", $"{_server.Host}/private/app:v1");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"The push refers to repository [{_server.Host}/private/app]\n", result.Output);
        // Config and layer go up in parallel: whichever is asked about first meets the 401.
        Assert.Contains(
            result.Error,
            new[] { busybox.ConfigDigest, busybox.LayerDigest }.Select(blob =>
                $"Error: HEAD http://{_server.Host}/v2/private/app/blobs/{blob}: 401 Unauthorized (registry {_server.Host} requires authentication and no credentials are configured for it)\n"));
    }

    [Fact]
    public async Task Credentials_from_DOCKER_CONFIG_are_used()
    {
        var configDirectory = WriteDockerConfig("from-env");
        _farm.Environment = _farm.Environment with { GetVariable = name => name == "DOCKER_CONFIG" ? configDirectory : null };
        var busybox = await _farm.LoadBusyboxAsync();

        var output = await _farm.RunCheckedAsync("push", "busybox", $"{_server.Host}/private/app:v1");

        Assert.EndsWith($"v1: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n", output);
        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{_server.Host}/private/app:v1", "--creds", "alice:s3cret"));
    }

    [Fact]
    public async Task Credentials_from_the_home_directory_and_from_the_option_are_used()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        WriteDockerConfig(Path.Combine("home", ".docker"));
        var optionDirectory = WriteDockerConfig("from-option");

        var fromHome = await _farm.RunCheckedAsync("push", "busybox", $"{_server.Host}/private/home:v1");
        await _farm.RestartServerAsync("--docker-config", optionDirectory);
        var fromOption = await _farm.RunCheckedAsync("push", "busybox", $"{_server.Host}/private/option:v1");

        Assert.EndsWith($"v1: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n", fromHome);
        Assert.EndsWith($"v1: digest: {busybox.ManifestDigest} size: {busybox.ManifestSize}\n", fromOption);
    }

    [Fact]
    public async Task A_build_pulls_a_private_base_image_with_the_same_credentials_and_fails_without_them()
    {
        var busybox = await Busybox.GetAsync();
        await Skopeo.CopyAsync($"oci-archive:{busybox.ArchivePath}:{BusyboxImage.RefName}", $"docker://{_server.Host}/private/base:1", "--dest-creds", "alice:s3cret");
        var context = Directory.CreateDirectory(_farm.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), $"FROM {_server.Host}/private/base:1\nRUN echo private\n");

        var refused = await _farm.RunAsync("build", "--progress", "plain", context);
        WriteDockerConfig(Path.Combine("home", ".docker"));
        await _farm.RestartServerAsync();
        var built = await _farm.RunAsync("build", "--progress", "plain", context);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(
            $"base image {_server.Host}/private/base:1: pulling it from {_server.Host} failed: GET http://{_server.Host}/v2/private/base/manifests/1: 401 Unauthorized: UNAUTHORIZED: authentication required (registry {_server.Host} requires authentication and no credentials are configured for it)",
            refused.Error,
            StringComparison.Ordinal);
        Assert.True(built.ExitCode == 0, built.Error);
        Assert.StartsWith(
            $"#1 [internal] load metadata for {_server.Host}/private/base:1\n#1 resolved {_server.Host}/private/base:1@{busybox.ManifestDigest}\n#2 [2/2] RUN echo private\n",
            built.Error,
            StringComparison.Ordinal);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _farm.Dispose();

    /// <summary>What <c>docker login</c> writes, in a directory of the session; returns the directory.</summary>
    private string WriteDockerConfig(string relativeDirectory)
    {
        var directory = Directory.CreateDirectory(_farm.Combine(relativeDirectory)).FullName;
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret"));
        File.WriteAllText(Path.Combine(directory, "config.json"), "{\"auths\":{\"" + _server.Host + "\":{\"auth\":\"" + auth + "\"}}}");
        return directory;
    }
}
