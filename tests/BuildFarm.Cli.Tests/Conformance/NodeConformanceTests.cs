using System.Runtime.Versioning;
using System.Text.Json;
using BuildFarm.Client.Context;
using BuildFarm.Oci;

namespace BuildFarm.Cli.Tests.Conformance;

/// <summary>
/// buildfarm.v1 as a contract: a Node.js client written from the protos alone (tests/conformance/node)
/// builds the same tree and image as <c>farm build</c> and gets what the protos promise, errors included.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NodeConformanceTests(NodeConformanceRun run) : IClassFixture<NodeConformanceRun>
{
    [Fact]
    public async Task A_node_client_from_the_protos_alone_builds_the_tree_and_image_farm_build_builds()
    {
        var report = run.Report;
        var metadataPath = run.Farm.Combine("metadata.json");
        var farmBuild = await run.Farm.RunAsync("build", "--server", run.Server.ToString(), "--progress", "quiet", "--build-arg", "CONFORMANCE=node", "--metadata-file", metadataPath, run.Context);
        Assert.Equal(0, farmBuild.ExitCode);
        using var metadata = JsonDocument.Parse(File.ReadAllText(metadataPath));
        var dotnetTree = ContextSnapshot.Take(new ContextSnapshotOptions { ContextDirectory = run.Context, OnlyPathsTheDockerfileReads = false });
        var silo = metadata.RootElement.GetProperty("buildfarm.steps")[0].GetProperty("silo").GetString();

        var health = report.RootElement.GetProperty("health");
        Assert.Equal(
            ["=SERVING", "buildfarm.v1.Content=SERVING", "buildfarm.v1.Builds=SERVING", "buildfarm.v1.Images=SERVING", "buildfarm.v1.Storage=SERVING"],
            health.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));

        var build = report.RootElement.GetProperty("build");
        var root = dotnetTree.Root.ToString();
        Assert.Equal(root, build.GetProperty("root").GetString());
        Assert.Equal(dotnetTree.Blobs.Count, build.GetProperty("blobs").GetInt32());
        Assert.Equal("""{"missing":13,"batched":12,"streamed":1}""", Compact(build.GetProperty("uploaded")));
        Assert.Equal(0, build.GetProperty("missing_after_upload").GetInt32());

        var events = build.GetProperty("events").EnumerateArray().ToList();
        var id = events[0].GetProperty("build_id").GetString();
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("build_id").GetString()));
        Assert.Equal(Enumerable.Range(1, events.Count), events.Select(e => e.GetProperty("sequence").GetInt32()));
        Assert.Equal(
            [
                "image_resolved",
                $"step_queued 0.1 inputs= silo={silo}", $"step_queued 0.2 inputs=0.1 silo={silo}", $"step_queued 0.3 inputs=0.2 silo={silo}",
                $"step_queued 1.1 inputs=0.3 silo={silo}", $"step_queued 1.2 inputs=1.1,0.3 silo={silo}",
                $"step_finished 0.1 silo={silo}",
                $"step_started 0.2 silo={silo}", $"step_finished 0.2 silo={silo}",
                $"step_started 0.3 silo={silo}", $"step_finished 0.3 silo={silo}",
                $"step_started 1.1 silo={silo}", $"step_finished 1.1 silo={silo}",
                $"step_started 1.2 silo={silo}", $"step_finished 1.2 silo={silo}",
                "build_finished",
            ],
            events.Select(Describe));
        Assert.True(build.GetProperty("watch_replays_the_same_events").GetBoolean());

        // farm build of the same context: every step a hit, the same image.
        var manifest = metadata.RootElement.GetProperty("containerimage.digest").GetString();
        Assert.Equal(manifest, events[^1].GetProperty("manifest_digest").GetString());
        Assert.Equal(["config", "cached", "cached", "cached", "cached"], metadata.RootElement.GetProperty("buildfarm.steps").EnumerateArray().Select(s => s.GetProperty("outcome").GetString()));

        var got = build.GetProperty("get");
        Assert.Equal("BUILD_STATE_SUCCEEDED", got.GetProperty("state").GetString());
        Assert.Equal(
            $$"""{"tags":["conformance:node"],"outputs":[],"no_cache_filter":[],"extra_hosts":[],"entitlements":[],"ssh":[],"ssh_forwarded":[],"build_args":{"CONFORMANCE":"node"},"labels":{},"secrets":{},"context_root":"{{root}}","target":"","push":false,"no_cache":false,"platform":"","pull":false,"ssh_session":"","dockerfile_path":"Dockerfile","dockerfile":"dockerfile_path"}""",
            Compact(got.GetProperty("request")));
        Assert.Equal("""{"started":true,"started_not_before_submitted":true,"steps_total":5,"steps_completed":5}""", Compact(got, "started", "started_not_before_submitted", "steps_total", "steps_completed"));
        Assert.True(build.GetProperty("list_reports_the_same_request").GetBoolean());

        var inline = report.RootElement.GetProperty("inline_without_context");
        Assert.Equal("""{"code":"OK","details":""}""", Compact(inline.GetProperty("status")));
        Assert.Equal("build_finished", inline.GetProperty("last").GetString());
        Assert.Equal(
            """{"tags":[],"outputs":[],"no_cache_filter":[],"extra_hosts":[],"entitlements":[],"ssh":[],"ssh_forwarded":[],"build_args":{},"labels":{},"secrets":{},"context_root":"","target":"","push":false,"no_cache":false,"platform":"","pull":false,"ssh_session":"","dockerfile_inline":{"type":"Buffer","data":[]},"dockerfile":"dockerfile_inline"}""",
            Compact(inline.GetProperty("request")));
    }

    [Fact]
    public void A_node_client_gets_the_errors_the_protos_promise_at_the_call_that_caused_them()
    {
        var report = run.Report;
        var errors = report.RootElement.GetProperty("errors");
        var root = report.RootElement.GetProperty("build").GetProperty("root").GetString();
        string Root(string name) => errors.GetProperty(name).GetProperty("context_root").GetString()!;

        Assert.Equal(
            [
                "get_unknown NOT_FOUND There is no build nope.",
                "watch_unknown NOT_FOUND There is no build nope.",
                "inline_parse_error INVALID_ARGUMENT Dockerfile:2: unknown instruction: FROB (did you mean FROM?)",
                "path_parse_error INVALID_ARGUMENT bad.Dockerfile:2: unknown instruction: FROB (did you mean FROM?)",
                "dockerfile_not_in_tree INVALID_ARGUMENT The Dockerfile 'no/such/Dockerfile' does not exist in the build context.",
                "path_without_context_root INVALID_ARGUMENT context_root is empty: a Dockerfile read from the context (dockerfile_path) needs the context tree's root digest.",
                "unknown_target INVALID_ARGUMENT Dockerfile: target stage \"nope\" could not be found",
                $"node_out_of_order INVALID_ARGUMENT Tree node {Root("node_out_of_order")} is malformed: \"a\" follows \"b\": names must be unique and in UTF-8 byte order.",
                $"node_not_messagepack INVALID_ARGUMENT Tree node {Digest.Sha256("not a node"u8)} is malformed: not a MessagePack node (Unexpected msgpack code 110 (positive fixint) encountered.).",
                $"file_not_uploaded FAILED_PRECONDITION Tree {Root("file_not_uploaded")} is incomplete: blob {Digest.Sha256("never uploaded"u8)} (\"Dockerfile\") is not in the content store. Upload it (Content.Upload) and submit again.",
                $"size_not_the_blobs INVALID_ARGUMENT Tree node {Root("size_not_the_blobs")} is malformed: \"empty\" is said to have 5 bytes but its blob {Digest.Sha256([])} has 0.",
            ],
            errors.EnumerateObject().Select(e => $"{e.Name} {e.Value.GetProperty("code").GetString()} {e.Value.GetProperty("details").GetString()}"));
        Assert.Equal([root, root, root], new[] { "inline_parse_error", "path_parse_error", "dockerfile_not_in_tree" }.Select(Root));

        // Refused at Submit: no build was started, so the stream carried no event.
        Assert.All(errors.EnumerateObject().Where(e => e.Value.TryGetProperty("events", out _)), e => Assert.Equal(0, e.Value.GetProperty("events").GetInt32()));
    }

    [Fact]
    public async Task The_protos_pass_buf_lint()
    {
        var lint = await NodeClient.LintProtosAsync();

        Assert.Equal((0, string.Empty, string.Empty), (lint.ExitCode, lint.Output, lint.Error));
    }

    private static string Describe(JsonElement e)
    {
        var text = $"{e.GetProperty("kind").GetString()}";
        if (e.TryGetProperty("step", out var step))
        {
            text += " " + step.GetString();
        }

        if (e.TryGetProperty("inputs", out var inputs))
        {
            text += " inputs=" + string.Join(',', inputs.EnumerateArray().Select(i => i.GetString()));
        }

        if (e.TryGetProperty("silo", out var silo))
        {
            text += " silo=" + silo.GetString();
        }

        return text;
    }

    private static string Compact(JsonElement element, params string[] only) =>
        only.Length == 0
            ? JsonSerializer.Serialize(element)
            : JsonSerializer.Serialize(only.ToDictionary(name => name, name => element.GetProperty(name)));
}
