using System.Collections.Concurrent;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Mounts;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Steps;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>How a test build hands its context to the engine.</summary>
public enum ContextKind
{
    /// <summary>As the directory itself.</summary>
    Directory,

    /// <summary>As the farm gets it: a content tree the client's walker made, its blobs written to the store.</summary>
    Tree,
}

/// <summary>
/// A build context in a temporary directory and a build engine on the shared fixture's store and
/// snapshots, with a step cache of its own so that one test's results are never another's hits.
/// </summary>
public sealed class TestBuild : IDisposable
{
    private readonly TempDirectory _context = new("buildfarm-context");
    private readonly TempDirectory _steps = new("buildfarm-steps");

    /// <param name="baseImages">Where the engine gets base images the store lacks; none by default.</param>
    public TestBuild(EngineFixture fixture, BuildEngineOptions? options = null, ContextKind context = ContextKind.Directory, IBaseImageSource? baseImages = null)
    {
        Fixture = fixture;
        Context = context;
        Engine = new BuildEngine(fixture.Engine, fixture.Store, new LocalStepCache(new StepRecordStore(_steps.Path)), options, baseImages: baseImages);
    }

    public ContextKind Context { get; }

    public EngineFixture Fixture { get; }

    public BuildEngine Engine { get; }

    public string ContextDirectory => _context.Path;

    /// <summary>Writes a context file (parents created).</summary>
    public TestBuild Write(string path, string content)
    {
        var full = Path.Combine(_context.Path, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return this;
    }

    public async Task<BuildOutcome> BuildAsync(string? dockerfile = null, IReadOnlyDictionary<string, string>? buildArgs = null, string? target = null, bool noCache = false, IReadOnlyList<string>? noCacheFilter = null, BuildEventSink? events = null, CancellationToken cancellationToken = default, ISecretSource? secrets = null, bool pull = false)
    {
        if (dockerfile is not null)
        {
            Write("Dockerfile", dockerfile);
        }

        var recorded = new ConcurrentQueue<BuildEvent>();
        var result = await Engine.BuildAsync(
            new BuildRequest
            {
                ContextDirectory = Context == ContextKind.Directory ? _context.Path : null,
                ContextTree = Context == ContextKind.Tree ? await SendContextAsync(cancellationToken) : null,
                BuildArgs = buildArgs ?? new Dictionary<string, string>(),
                Target = target,
                NoCache = noCache,
                Pull = pull,
                NoCacheFilter = noCacheFilter ?? [],
                Secrets = secrets,
            },
            async (e, ct) =>
            {
                recorded.Enqueue(e);
                if (events is not null)
                {
                    await events(e, ct);
                }
            },
            cancellationToken);
        return new BuildOutcome(result, [.. recorded]);
    }

    /// <summary>Sends the context to the fixture's store as a client would (see <see cref="ContextTrees"/>).</summary>
    public Task<Oci.Digest> SendContextAsync(CancellationToken cancellationToken = default) =>
        ContextTrees.SendAsync(_context.Path, Fixture.Store, cancellationToken);

    /// <summary>The stored manifest of a result.</summary>
    public async Task<ImageManifest> ManifestAsync(BuildResult result) =>
        ImageManifest.Parse(await new ContentStoreBlobs(Fixture.Store).ReadDocumentAsync(result.Manifest));

    public void Dispose()
    {
        _context.Dispose();
        _steps.Dispose();
    }
}

/// <summary>A build's result and every event it sent, in the order received.</summary>
public sealed record BuildOutcome(BuildResult Result, IReadOnlyList<BuildEvent> Events)
{
    /// <summary>The outcome of each step, in plan order.</summary>
    public IReadOnlyList<StepOutcome> Outcomes => [.. Result.Steps.Select(s => s.Outcome)];

    /// <summary>Every line the build's processes printed to stdout.</summary>
    public IReadOnlyList<string> Output => [.. Events.OfType<StepLog>().Select(e => e.Line.Text)];
}
