using System.Text.Json;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Tests.Images;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Building;

/// <summary><c>farm build</c> end to end: the CLI against a real server (embedded silo, real runc; the session's, in process) and a real registry.</summary>
public sealed class BuildCommandTests(RegistryFixture registry) : IClassFixture<RegistryFixture>, IAsyncLifetime
{
    private readonly FarmSession _farm = new();
    private Uri _server = null!;

    public async Task InitializeAsync()
    {
        await _farm.LoadBusyboxAsync();
        _server = await _farm.StartServerAsync();
        Directory.CreateDirectory(Context);
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), """
            FROM busybox AS build
            COPY greeting.txt /src/
            RUN mkdir /out && tr a-z A-Z < /src/greeting.txt > /out/greeting
            FROM busybox
            COPY --from=build /out/greeting /greeting
            CMD ["cat", "/greeting"]
            """);
        File.WriteAllText(Path.Combine(Context, "greeting.txt"), "hello\n");
    }

    public Task DisposeAsync()
    {
        _farm.Dispose();
        return Task.CompletedTask;
    }

    private string Context => _farm.Combine("context");

    private Task<FarmResult> BuildAsync(params string[] args) =>
        _farm.RunAsync(["build", "--server", _server.ToString(), .. args, Context]);

    [Fact]
    public async Task A_build_pushes_exports_and_writes_buildx_metadata_with_every_step()
    {
        var name = $"{registry.Server.Host}/build/app:1";
        var metadataPath = _farm.Combine("metadata.json");
        var archive = _farm.Combine("app.tar");

        var result = await BuildAsync("-t", name, "--push", "--progress", "plain", "--metadata-file", metadataPath, "-o", $"type=oci,dest={archive}");

        Assert.Equal((0, string.Empty), (result.ExitCode, result.Output));
        using var metadata = JsonDocument.Parse(File.ReadAllText(metadataPath));
        var root = metadata.RootElement;
        var digest = root.GetProperty("containerimage.digest").GetString();
        Assert.Equal(name, root.GetProperty("image.name").GetString());
        Assert.Equal(digest, await Skopeo.InspectDigestAsync($"docker://{name}"));
        Assert.Equal(digest, await Skopeo.InspectDigestAsync($"oci-archive:{archive}:{name}"));
        var steps = root.GetProperty("buildfarm.steps").EnumerateArray().ToList();
        Assert.Equal(
            ["[build 2/3] COPY greeting.txt /src/", "[build 3/3] RUN mkdir /out && tr a-z A-Z < /src/greeting.txt > /out/greeting", "[stage-1 2/3] COPY --from=build /out/greeting /greeting", "[stage-1 3/3] CMD [\"cat\",\"/greeting\"]"],
            steps.Select(s => s.GetProperty("name").GetString()));
        Assert.All(steps, s => Assert.False(s.GetProperty("cached").GetBoolean()));
        Assert.Equal(["ran", "ran", "ran", "config"], steps.Select(s => s.GetProperty("outcome").GetString()));
        Assert.All(steps, s => Assert.StartsWith("sha256:", s.GetProperty("key").GetString(), StringComparison.Ordinal));
        Assert.Contains("\n#3 [build 3/3] RUN mkdir /out && tr a-z A-Z < /src/greeting.txt > /out/greeting\n#3 DONE ", result.Error, StringComparison.Ordinal);
        Assert.Contains($"naming to {name} done", result.Error, StringComparison.Ordinal);

        var again = await BuildAsync("-t", name, "--progress", "quiet", "--metadata-file", metadataPath);

        Assert.Equal(0, again.ExitCode);
        using var second = JsonDocument.Parse(File.ReadAllText(metadataPath));
        Assert.Equal(second.RootElement.GetProperty("containerimage.config.digest").GetString() + "\n", again.Output);
        Assert.All(second.RootElement.GetProperty("buildfarm.steps").EnumerateArray().Take(3), s => Assert.True(s.GetProperty("cached").GetBoolean()));
        Assert.Equal(["cached", "cached", "cached", "config"], second.RootElement.GetProperty("buildfarm.steps").EnumerateArray().Select(s => s.GetProperty("outcome").GetString()));
        Assert.Equal(digest, second.RootElement.GetProperty("containerimage.digest").GetString());
    }

    [Fact]
    public async Task A_failing_step_exits_non_zero_with_its_output()
    {
        File.WriteAllText(Path.Combine(Context, "Dockerfile.fail"), "FROM busybox\nRUN echo cannot build >&2; exit 2\n");

        var result = await BuildAsync("-f", Path.Combine(Context, "Dockerfile.fail"), "--progress", "plain");

        Assert.Equal(1, result.ExitCode);
        Assert.EndsWith(
            "Error: Dockerfile.fail:2: RUN echo cannot build >&2; exit 2: process \"/bin/sh -c echo cannot build >&2; exit 2\" did not complete successfully: exit code: 2\nlast 1 lines of output:\ncannot build\n",
            result.Error,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_dockerignore_is_an_error_naming_its_line()
    {
        File.WriteAllText(Path.Combine(Context, ".dockerignore"), "!\n");

        var result = await BuildAsync("--progress", "plain");

        Assert.Equal((1, $"Error: {Context}/.dockerignore:1: illegal exclusion pattern: \"!\"\n"), (result.ExitCode, result.Error));
    }

    [Fact]
    public async Task In_a_git_checkout_tags_and_labels_name_the_commit()
    {
        await ProcessRunner.RunCheckedAsync("git", ["-C", Context, "init", "-q"]);
        await ProcessRunner.RunCheckedAsync("git", ["-C", Context, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "."]);
        await ProcessRunner.RunCheckedAsync("git", ["-C", Context, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "one"]);
        await ProcessRunner.RunCheckedAsync("git", ["-C", Context, "remote", "add", "origin", "https://example.com/app.git"]);
        var sha = (await ProcessRunner.RunCheckedAsync("git", ["-C", Context, "rev-parse", "HEAD"])).Trim();
        var name = $"{registry.Server.Host}/git/app";

        var result = await BuildAsync("-t", name + ":{git.short}", "-t", name + ":latest", "--push", "--progress", "quiet");

        Assert.Equal(0, result.ExitCode);
        using var image = await Skopeo.InspectAsync($"docker://{name}:{sha[..12]}");
        var labels = image.RootElement.GetProperty("Labels");
        Assert.Equal(sha, labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.Equal("https://example.com/app.git", labels.GetProperty("org.opencontainers.image.source").GetString());
        Assert.Equal(await Skopeo.InspectDigestAsync($"docker://{name}:latest"), await Skopeo.InspectDigestAsync($"docker://{name}:{sha[..12]}"));
    }

    [Fact]
    public async Task Builds_are_listed_their_logs_replayed_and_an_ended_one_cannot_be_cancelled_again()
    {
        File.WriteAllText(Path.Combine(Context, "Dockerfile.echo"), "FROM busybox\nRUN echo from the build\n");
        var built = await BuildAsync("-f", Path.Combine(Context, "Dockerfile.echo"), "-t", "echo:1", "--progress", "quiet", "--metadata-file", _farm.Combine("m.json"));
        using var metadata = JsonDocument.Parse(File.ReadAllText(_farm.Combine("m.json")));
        var id = metadata.RootElement.GetProperty("buildx.build.ref").GetString()!;
        var server = _server.ToString();

        var list = await _farm.RunCheckedAsync("--server", server, "builds", "ls");
        var logs = await _farm.RunCheckedAsync("--server", server, "builds", "logs", id);
        var cancel = await _farm.RunCheckedAsync("--server", server, "builds", "cancel", id);

        Assert.Equal(0, built.ExitCode);
        Assert.Matches($"^BUILD ID +STATE +SUBMITTED +IMAGE\n{id} +succeeded +[0-9-]+ [0-9:]+Z +echo:1\n$", list);
        var busybox = (await Busybox.GetAsync()).ManifestDigest;
        Assert.Equal(
            ["#1 [internal] load metadata for docker.io/library/busybox:latest", $"#1 resolved docker.io/library/busybox:latest@{busybox}", "#2 [2/2] RUN echo from the build", "from the build"],
            logs.Split('\n').Take(4).Select(l => Regex.Replace(l, "^#2 [0-9]+\\.[0-9]+ ", "")));
        Assert.Equal($"{id}: succeeded\n", cancel);
    }

    [Fact]
    public async Task A_local_output_is_the_image_file_tree_and_tty_progress_redraws_each_step_in_place()
    {
        var tree = _farm.Combine("tree");
        await BuildAsync("--progress", "quiet");

        var result = await BuildAsync("--progress", "tty", "-o", $"type=local,dest={tree}");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("HELLO\n", File.ReadAllText(Path.Combine(tree, "greeting")));
        Assert.True(File.Exists(Path.Combine(tree, "bin", "busybox")));
        var lastFrame = result.Error[result.Error.LastIndexOf("[+] Building", StringComparison.Ordinal)..];
        Assert.Matches(
            "^\\[\\+\\] Building [0-9.]+s \\(4/4\\)\n\u001b\\[2K => \\[internal\\] load metadata for docker.io/library/busybox:latest resolved docker.io/library/busybox:latest@sha256:[0-9a-f]{64}\n\u001b\\[2K => CACHED \\[build 2/3\\] COPY greeting.txt /src/\n\u001b\\[2K => CACHED \\[build 3/3\\] RUN mkdir /out && tr a-z A-Z < /src/greeting.txt > /out/greeting\n\u001b\\[2K => CACHED \\[stage-1 2/3\\] COPY --from=build /out/greeting /greeting\n$",
            lastFrame);
        Assert.Contains("\u001b[4A", result.Error, StringComparison.Ordinal);
    }
}
