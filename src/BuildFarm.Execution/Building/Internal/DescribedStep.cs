using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// A step being run from its <see cref="StepDescription"/>: its planned instruction, and its inputs
/// made available from the digests the description gives — the context tree, stage and image
/// roots mounted from their layers, downloads written out from their blobs, Git sources checked out
/// at their commits. Disposing releases them.
/// </summary>
internal sealed class DescribedStep : IAsyncDisposable
{
    private const int DownloadedFileMode = 0b110_000_000; // 0600, as UrlFetcher leaves a download

    private readonly List<FetchedUrl> _downloads = [];
    private readonly List<GitCheckout> _checkouts = [];
    private readonly InputRoots _roots;

    public DescribedStep(BuildEngine engine, PreparedBuild build, StepDescription description, StepSession session, CancellationToken cancellationToken)
    {
        Engine = engine;
        Build = build;
        Description = description;
        Session = session;
        Cancellation = cancellationToken;
        Step = build.Step(description.Step);
        if (description.InputLayers.Count != Step.Inputs.Count)
        {
            throw new ArgumentException($"The description of step {description.Step} gives {description.InputLayers.Count} inputs; the plan has {Step.Inputs.Count}.", nameof(description));
        }

        _roots = new InputRoots(engine.Execution.Snapshots, cancellationToken);
        LayerOptions = new LayerWriterOptions { Compression = description.Build.Compression, SourceDateEpoch = description.Build.SourceDateEpoch };
    }

    public BuildEngine Engine { get; }

    public PreparedBuild Build { get; }

    public StepDescription Description { get; }

    public PlannedStep Step { get; }

    public StepSession Session { get; }

    public CancellationToken Cancellation { get; }

    public LayerWriterOptions LayerOptions { get; }

    /// <summary>The file tree input <paramref name="index"/> reads: the context, or a stage's or image's root, mounted on first use.</summary>
    public Task<SourceTree> TreeAsync(int index) =>
        Step.Inputs[index].Kind == InputKind.Context ? Task.FromResult(Build.Context.Tree) : _roots.TreeAsync(index, LayersOf(index));

    /// <summary>The layers of the stage or image input <paramref name="index"/> reads.</summary>
    public IReadOnlyList<LayerBlob> LayersOf(int index) =>
        Description.InputLayers[index] ?? throw new InvalidOperationException($"Input {index} of step {Step.Id} is a {Step.Inputs[index].Kind}, not a file system.");

    /// <summary>The step's ADD downloads, written out from their blobs as the download left them (mode 0600, the server's time).</summary>
    public async Task<IReadOnlyList<FetchedUrl>> DownloadsAsync()
    {
        if (_downloads.Count == Description.Downloads.Count)
        {
            return _downloads;
        }

        Directory.CreateDirectory(Engine.DownloadDirectory);
        foreach (var download in Description.Downloads)
        {
            var path = Path.Combine(Engine.DownloadDirectory, Guid.NewGuid().ToString("N"));
            _downloads.Add(new FetchedUrl(download.Url, download.FileName, download.Digest, path));
            await using (var source = Engine.Content.OpenRead(download.Digest))
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                await source.CopyToAsync(file, Cancellation).ConfigureAwait(false);
            }

            LibC.Chmod(path, DownloadedFileMode);
            LibC.SetModificationTime(path, new FileTime(download.ModificationTime.ToUnixTimeSeconds(), 0));
        }

        return _downloads;
    }

    /// <summary>The step's Git sources, checked out at the commits the description names.</summary>
    public async Task<IReadOnlyList<GitCheckout>> CheckoutGitSourcesAsync()
    {
        while (_checkouts.Count < Description.GitSources.Count)
        {
            var source = Description.GitSources[_checkouts.Count];
            var resolved = new ResolvedGitSource(GitSourceSpec.Parse(source.Source), source.Commit, source.UsedRef, source.KeepGitDir, source.Checksum);
            _checkouts.Add(await GitFetcher.CheckoutAsync(resolved, Engine.DownloadDirectory, Cancellation).ConfigureAwait(false));
        }

        return _checkouts;
    }

    public async ValueTask DisposeAsync()
    {
        await _roots.DisposeAsync().ConfigureAwait(false);
        foreach (var download in _downloads)
        {
            File.Delete(download.ContentPath);
        }

        _downloads.Clear();
        foreach (var checkout in _checkouts)
        {
            Directory.Delete(checkout.Directory, recursive: true);
        }

        _checkouts.Clear();
    }
}
