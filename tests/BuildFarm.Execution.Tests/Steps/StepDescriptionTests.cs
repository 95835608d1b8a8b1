using System.Collections.Concurrent;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Steps;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Steps;
using BuildFarm.Storage.Trees;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Steps;

/// <summary>
/// Every step a build runs goes through a <see cref="StepDescription"/>: another silo, given only the
/// description and the blobs it names, runs the step and writes the very same layer.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class StepDescriptionTests(EngineFixture fixture)
{
    // Stages, a context tree with an ignore file, COPY --from, a bind mount from a stage, the base
    // image's environment and an ARG: everything the plan and the step's inputs depend on.
    private const string Dockerfile = """
        FROM busybox AS tools
        ARG FLAVOUR
        RUN mkdir /out && echo "tool $FLAVOUR" > /out/tool && echo "$PATH" > /out/path
        FROM busybox
        COPY src/ /src/
        COPY --from=tools /out/tool /bin/tool.txt
        RUN --mount=type=bind,from=tools,source=/out,target=/mnt cat /mnt/path /src/a.txt /bin/tool.txt > /all && ls /src > /listing
        """;

    [Fact]
    public async Task Another_silo_runs_each_described_step_from_the_blobs_it_names_alone_and_writes_the_same_layer()
    {
        var recorder = new RecordingRunner();
        using var steps = new TempDirectory("buildfarm-steps");
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        build.Write("src/a.txt", "a\n").Write("src/ignored.log", "never copied\n").Write(".dockerignore", "**/*.log\n");
        var engine = new BuildEngine(fixture.Engine, fixture.Store, new LocalStepCache(new StepRecordStore(steps.Path)), runner: recorder);
        recorder.Inner = engine;
        build.Write("Dockerfile", Dockerfile);
        var root = await build.SendContextAsync();

        var built = await engine.BuildAsync(new BuildRequest { ContextTree = root, BuildArgs = new Dictionary<string, string> { ["FLAVOUR"] = "sharp" } });

        var described = recorder.Described.ToDictionary(d => d.Description.Step);
        Assert.Equal(4, described.Count); // RUN in tools; COPY, COPY --from and RUN in the last stage
        using var otherSilo = new TempDirectory("buildfarm-other-silo");
        using var otherStore = ContentStore.Open(new ContentStoreOptions { DataDirectory = otherSilo.Path });
        var otherExecution = await ExecutionEngine.OpenAsync(otherStore);
        using var otherSteps = new TempDirectory("buildfarm-steps");
        var other = new BuildEngine(otherExecution, otherStore, new LocalStepCache(new StepRecordStore(otherSteps.Path)));
        foreach (var (id, (description, layer)) in described.OrderBy(d => d.Key.Stage).ThenBy(d => d.Key.Step))
        {
            var sent = StepDescription.FromJson(description.ToJson());
            await CopyBlobsAsync(sent, fixture.Store, otherStore);

            var ran = await other.RunAsync(sent, new StepSession(), CancellationToken.None);

            Assert.Equal(layer, ran.Layer);
            Assert.Equal(built.Steps.Single(s => s.Id == id).Layer, ran.Layer);
        }
    }

    [Fact]
    public async Task A_description_survives_json_unchanged_and_its_build_inputs_have_one_identity_whatever_the_order_of_args()
    {
        var recorder = new RecordingRunner();
        using var steps = new TempDirectory("buildfarm-steps");
        using var build = new TestBuild(fixture, context: ContextKind.Tree);
        build.Write("src/a.txt", "a\n").Write("Dockerfile", Dockerfile);
        var engine = new BuildEngine(fixture.Engine, fixture.Store, new LocalStepCache(new StepRecordStore(steps.Path)), runner: recorder);
        recorder.Inner = engine;

        await engine.BuildAsync(new BuildRequest { ContextTree = await build.SendContextAsync(), BuildArgs = new Dictionary<string, string> { ["FLAVOUR"] = "x", ["A"] = "1" } });

        var description = recorder.Described.First().Description;
        var roundTripped = StepDescription.FromJson(description.ToJson());
        Assert.Equal(description.ToJson(), roundTripped.ToJson());
        var reordered = description.Build with { BuildArgs = new Dictionary<string, string> { ["A"] = "1", ["FLAVOUR"] = "x" } };
        Assert.Equal(description.Build.Identity(), reordered.Identity());
        Assert.NotEqual(description.Build.Identity(), (description.Build with { Target = "tools" }).Identity());
    }

    [Fact]
    public async Task A_description_whose_dockerfile_is_not_in_the_store_fails_naming_the_blob()
    {
        using var otherSilo = new TempDirectory("buildfarm-other-silo");
        using var otherStore = ContentStore.Open(new ContentStoreOptions { DataDirectory = otherSilo.Path });
        using var otherSteps = new TempDirectory("buildfarm-steps");
        var other = new BuildEngine(await ExecutionEngine.OpenAsync(otherStore), otherStore, new LocalStepCache(new StepRecordStore(otherSteps.Path)));
        var dockerfile = Digest.Sha256("FROM scratch\nCOPY a /\n"u8.ToArray());
        var description = new StepDescription
        {
            Key = Digest.Sha256("key"u8.ToArray()),
            Build = new BuildInputs { Dockerfile = dockerfile, DockerfileName = "Dockerfile", SourceDateEpoch = DateTimeOffset.UnixEpoch, ContextTree = Digest.Sha256("root"u8.ToArray()) },
            Step = new Dockerfile.Planning.StepId(0, 0),
            Parents = [],
            InputLayers = [null],
        };

        var error = await Assert.ThrowsAsync<Storage.Content.BlobNotFoundException>(() => other.RunAsync(description, new StepSession(), CancellationToken.None));

        Assert.Contains(dockerfile.ToString(), error.Message, StringComparison.Ordinal);
    }

    // What a silo that lacks them would fetch: the blobs the description names, each base image's
    // config, and the context tree's nodes and files.
    private static async Task CopyBlobsAsync(StepDescription description, ContentStore from, ContentStore to)
    {
        var blobs = description.Blobs().ToList();
        foreach (var manifest in description.Build.BaseImages.Values)
        {
            blobs.Add(ImageManifest.Parse(await new ContentStoreBlobs(from).ReadDocumentAsync(new Descriptor { MediaType = MediaTypes.OciManifest, Digest = manifest, Size = from.GetInfo(manifest)!.Size })).Config.Digest);
        }

        if (description.Build.ContextTree is { } root)
        {
            blobs.AddRange(TreeBlobs(root, from));
        }

        foreach (var digest in blobs)
        {
            await using var content = from.OpenRead(digest);
            await to.WriteAsync(content, digest, from.GetInfo(digest)!.Size);
        }
    }

    private static IEnumerable<Digest> TreeBlobs(Digest node, ContentStore store)
    {
        yield return node;
        using var stream = store.OpenRead(node);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        foreach (var entry in TreeNode.Parse(bytes.ToArray(), node).Entries)
        {
            if (entry.Kind == TreeEntryKind.Directory)
            {
                foreach (var below in TreeBlobs(entry.Digest!.Value, store))
                {
                    yield return below;
                }
            }
            else if (entry.Kind == TreeEntryKind.File)
            {
                yield return entry.Digest!.Value;
            }
        }
    }

    /// <summary>Runs steps on its engine and keeps each description with the layer it gave.</summary>
    private sealed class RecordingRunner : IStepRunner
    {
        public BuildEngine Inner { get; set; } = null!;

        public ConcurrentQueue<(StepDescription Description, Oci.Layers.LayerBlob? Layer)> Described { get; } = new();

        public async Task<CachedStep> RunAsync(StepDescription step, StepSession session, CancellationToken cancellationToken)
        {
            var ran = await Inner.RunAsync(step, session, cancellationToken);
            Described.Enqueue((step, ran.Layer));
            return ran;
        }
    }
}
