namespace BuildFarm.Cli.Tests;

public sealed class DebugPlanCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("farm-plan-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_directory.FullName, "Dockerfile");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Prints_stages_steps_and_cache_key_inputs()
    {
        var path = Write("ARG BASE=alpine:3.19\nFROM ${BASE} AS build\nARG VERSION=dev\nRUN --mount=type=cache,target=/root/.cache make VERSION=$VERSION\nFROM build AS unused\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n");

        var result = await FarmRunner.RunAsync("debug", "plan", "-f", path, "--build-arg", "VERSION=1.2", "--build-arg", "HTTP_PROXY=http://proxy:3128", "--build-arg", "EXTRA=1");

        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"""
            plan {path}: target stage-2, 2 of 3 stages needed

            stage 0 build: image docker.io/library/alpine:3.19 (linux/amd64)
              step 0.1 ARG VERSION=1.2
                at: {path}:3
                makes: config
                cache key:
                  parent: image docker.io/library/alpine:3.19 linux/amd64
                  instruction: ARG VERSION=1.2
              step 0.2 RUN --mount=type=cache,target=/root/.cache,id=/root/.cache,sharing=shared,rw make VERSION=$VERSION
                at: {path}:4
                makes: layer
                proxy (not in cache key): HTTP_PROXY=http://proxy:3128
                proxy (not in cache key): http_proxy=http://proxy:3128
                cache key:
                  parent: step 0.1
                  instruction: RUN --mount=type=cache,target=/root/.cache,id=/root/.cache,sharing=shared,rw make VERSION=$VERSION
                  command: ["/bin/sh","-c","make VERSION=$VERSION"]
                  env: PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                  env: VERSION=1.2
                  workdir: /
                  user: ""
                  platform: linux/amd64
                  mount: type=cache,target=/root/.cache,id=/root/.cache,sharing=shared,rw

            stage 2 stage-2: scratch (linux/amd64)
              step 2.1 COPY --from=build /out/app /app
                at: {path}:7
                makes: layer
                cache key:
                  parent: scratch
                  instruction: COPY --from=build /out/app /app
                  input: stage 0 build /out/app
              step 2.2 ENTRYPOINT ["/app"]
                at: {path}:8
                makes: config
                cache key:
                  parent: step 2.1
                  instruction: ENTRYPOINT ["/app"]

            warning: One or more build-args [EXTRA] were not consumed

            """,
            result.Output);
    }

    [Fact]
    public async Task Target_picks_the_stage_to_build()
    {
        var path = Write("FROM alpine AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /out\n");

        var result = await FarmRunner.RunAsync("debug", "plan", "--file", path, "--target", "BUILD");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"plan {path}: target build, 1 of 2 stages needed\n\nstage 0 build: image docker.io/library/alpine:latest (linux/amd64)\n  step 0.1 RUN make\n", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("stage 1", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dockerfile_error_prints_file_and_line_and_exits_1()
    {
        var path = Write("FROM alpine\nCOPY --from=nope:bad:ref a b\nRUN --mount=type=nfs true\n");

        var result = await FarmRunner.RunAsync("debug", "plan", "-f", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        Assert.Equal($"{path}:3: unsupported mount type \"nfs\"\n", result.Error);
    }

    [Fact]
    public async Task An_unknown_target_is_an_error()
    {
        var path = Write("FROM alpine\n");

        var result = await FarmRunner.RunAsync("debug", "plan", "-f", path, "--target", "missing");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"{path}: target stage \"missing\" could not be found\n", result.Error);
    }

    [Fact]
    public async Task A_missing_file_is_an_error()
    {
        var path = Path.Combine(_directory.FullName, "nothing-here");

        var result = await FarmRunner.RunAsync("debug", "plan", "-f", path);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{path}: cannot read the Dockerfile: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plans_the_example_app()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "BuildFarm.sln")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        var result = await FarmRunner.RunAsync("debug", "plan", "-f", Path.Combine(root, "examples", "app", "Dockerfile"));

        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\nstage 0 build: image docker.io/library/busybox:latest (linux/amd64)\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("\n      input: stage 0 build /out/greeting\n", result.Output, StringComparison.Ordinal);
    }
}
