using System.Collections.Concurrent;
using System.Text;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layout;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Steps;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing;
using BuildFarm.Testing.FileTrees;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>An image as the differential tests compare it: the unpacked file tree and the config.</summary>
public sealed record BuiltImage(FileTree Tree, ImageConfig Config);

/// <summary>
/// The two builders of the differential tests, each with the busybox base image under the name
/// Dockerfiles use (<c>FROM busybox</c>): real buildah in its own storage, and the engine on its
/// own content store. A case asking for buildah's image also starts buildah on two cases not
/// started yet (two builds at a time), so that buildah works while the engine builds.
/// </summary>
public sealed class DifferentialFixture : IAsyncLifetime
{
    public const string BaseImageName = "docker.io/library/busybox:latest";

    private const int ConcurrentBuildahBuilds = 2;
    private const int BuildahCasesAhead = 2;

    private readonly TempDirectory _directory = new("buildfarm-differential");
    private readonly SemaphoreSlim _buildahSlots = new(ConcurrentBuildahBuilds);
    private readonly ConcurrentDictionary<string, Lazy<Task<BuiltImage>>> _buildahImages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _contexts = new(StringComparer.Ordinal);
    private Buildah? _buildah;
    private int _outputs;

    public ContentStore Store { get; private set; } = null!;

    public BuildEngine Engine { get; private set; } = null!;

    /// <summary>The busybox image's tree: what a build on it changes is its difference from this.</summary>
    public FileTree BaseTree { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var busybox = await BusyboxImage.GetAsync();
        _buildah = await Buildah.CreateAsync();
        await _buildah.AddImageAsync(busybox.LayoutDirectory, BusyboxImage.RefName, BaseImageName);

        Store = ContentStore.Open(new ContentStoreOptions { DataDirectory = _directory.CreateDirectory("engine") });
        await busybox.AddToAsync(Store, BaseImageName);
        var execution = await ExecutionEngine.OpenAsync(Store);
        Engine = new BuildEngine(execution, Store, new LocalStepCache(new StepRecordStore(_directory.CreateDirectory("steps"))));
        BaseTree = await UnpackAsync(busybox.LayoutDirectory, BusyboxImage.RefName);
    }

    public async Task DisposeAsync()
    {
        // Buildah's builds must end before its storage goes; their outcome no longer matters.
        await Task.WhenAll(_buildahImages.Values.Select(image => image.Value.ContinueWith(static _ => { }, TaskScheduler.Default)));
        _buildah?.Dispose();
        Store?.Dispose();
        _directory.Dispose();
        _buildahSlots.Dispose();
    }

    /// <summary>Buildah's image of <paramref name="case"/>, built once per run.</summary>
    public Task<BuiltImage> BuildahImageAsync(DifferentialCase @case)
    {
        var image = StartBuildah(@case);

        // xunit runs the cases in an order of its own, so the ones to start are the first not started yet.
        foreach (var ahead in DifferentialTests.Cases.Where(c => !_buildahImages.ContainsKey(c.Name)).Take(BuildahCasesAhead))
        {
            _ = StartBuildah(ahead);
        }

        return image;
    }

    private Task<BuiltImage> StartBuildah(DifferentialCase @case) =>
        _buildahImages.GetOrAdd(@case.Name, _ => new Lazy<Task<BuiltImage>>(() => BuildWithBuildahAsync(@case))).Value;

    /// <summary>Builds a corpus case with the engine, exports the image as an OCI layout and unpacks it with umoci.</summary>
    /// <param name="kind">Whether the engine reads the context directory, or the tree a client makes of it.</param>
    public async Task<BuiltImage> BuildWithEngineAsync(string caseName, ContextKind kind, IReadOnlyDictionary<string, string>? buildArgs = null, string? target = null)
    {
        var context = await ContextAsync(caseName);
        var result = await Engine.BuildAsync(new BuildRequest
        {
            ContextDirectory = kind == ContextKind.Directory ? context : null,
            ContextTree = kind == ContextKind.Tree ? await ContextTrees.SendAsync(context, Store) : null,
            BuildArgs = buildArgs ?? new Dictionary<string, string>(),
            Target = target,
        });
        var layout = NewOutputDirectory("engine-layout");
        await OciLayout.ExportToDirectoryAsync(new ContentStoreBlobs(Store), [new TaggedImage(result.Manifest, [Buildah.LayoutTag])], layout);
        return new BuiltImage(await UnpackAsync(layout, Buildah.LayoutTag), result.Config);
    }

    private async Task<BuiltImage> BuildWithBuildahAsync(DifferentialCase @case)
    {
        await _buildahSlots.WaitAsync();
        try
        {
            var image = await _buildah!.BuildAsync(
                new BuildahBuild(await ContextAsync(@case.Name)) { BuildArgs = @case.BuildArgs, Target = @case.Target },
                NewOutputDirectory("buildah-layout"));
            return new BuiltImage(await UnpackAsync(image.LayoutDirectory, Buildah.LayoutTag), ImageConfig.Parse(Encoding.UTF8.GetBytes(image.DockerConfigJson)));
        }
        finally
        {
            _buildahSlots.Release();
        }
    }

    /// <summary>
    /// The case's context, copied once per run with group and other write bits cleared: a checkout
    /// made under umask 002 then has the same modes as one made under 022, so the trees written
    /// out in the tests hold wherever they run. Both builders read this copy.
    /// </summary>
    private Task<string> ContextAsync(string caseName) =>
        _contexts.GetOrAdd(caseName, name => new Lazy<Task<string>>(async () =>
        {
            var copy = NewOutputDirectory("context");
            var source = RepositoryRoot.Combine("tests", "BuildFarm.Execution.Tests", "TestData", "differential", name);
            await ProcessRunner.RunCheckedAsync("cp", ["-a", source, copy]);
            await ProcessRunner.RunCheckedAsync("chmod", ["-R", "go-w", copy]);
            return copy;
        })).Value;

    private async Task<FileTree> UnpackAsync(string layout, string tag) =>
        await FileTree.ReadAsync(await Umoci.UnpackAsync(layout, tag, NewOutputDirectory("bundle")));

    private string NewOutputDirectory(string kind) =>
        _directory.Combine($"{kind}-{Interlocked.Increment(ref _outputs)}");
}

[CollectionDefinition(Name)]
public sealed class DifferentialCollection : ICollectionFixture<DifferentialFixture>
{
    public const string Name = "differential";
}
