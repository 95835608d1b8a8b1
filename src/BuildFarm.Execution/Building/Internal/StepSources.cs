using System.Collections.Concurrent;
using System.Text;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Files.Internal;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// What one step reads besides its parent — the context, other stages' and images' file systems,
/// inline files — with the content checksum of each for its cache key. A stage's or image's
/// root is mounted only when the step runs, or when its checksum is not known yet.
/// </summary>
internal sealed class StepSources : IAsyncDisposable
{
    private readonly BuildRun _run;
    private readonly List<DownloadedFile> _downloads = [];
    private readonly List<GitCommit> _gitSources = [];
    private readonly IReadOnlyList<IReadOnlyList<LayerBlob>?> _layers;
    private readonly InputRoots _roots;

    private StepSources(BuildRun run, PlannedStep step, IReadOnlyList<IReadOnlyList<LayerBlob>?> layers)
    {
        _run = run;
        Step = step;
        _layers = layers;
        // The coordinator checksums what COPY --from reads: the layers of a stage that hit or of a
        // base image may be on other silos only.
        _roots = new InputRoots(
            run.Engine.Execution.Snapshots,
            run.Cancellation,
            layers => StepBlobs.FetchAsync(run.Engine, layers.Select(static layer => layer.Descriptor.Digest), run.LeaseId, run.Cancellation));
    }

    public PlannedStep Step { get; }

    /// <summary>One per input of the step, in order.</summary>
    public IReadOnlyList<Digest> Checksums { get; private set; } = [];

    /// <summary>The ADD URLs the step reads, downloaded to checksum them and kept in the store under the build's lease for the step to copy.</summary>
    public IReadOnlyList<DownloadedFile> Downloads => _downloads;

    /// <summary>The Git sources the step reads, with the commits their refs resolved to (their checksums needed nothing more).</summary>
    public IReadOnlyList<GitCommit> GitSources => _gitSources;

    /// <summary>One per input: the layers of the stage or image it reads, or null (<see cref="StepDescription.InputLayers"/>).</summary>
    public IReadOnlyList<IReadOnlyList<LayerBlob>?> InputLayers => _layers;

    /// <summary>
    /// A <c>COPY --link</c> whose <c>--chown</c> names a user or group: the <c>uid:gid</c> the names
    /// have in the stage's root below the step (BuildKit resolves them against the state the copy
    /// applies to). The layer is made apart from that root, so the ids, not the names, go into it
    /// and into the step's key. Null otherwise.
    /// </summary>
    public string? LinkOwner { get; private set; }

    /// <summary>Waits for the stages the step reads and checksums every input.</summary>
    public static async Task<StepSources> OpenAsync(PlannedStep step, BuildRun run, IReadOnlyList<LayerBlob> below)
    {
        var layers = new List<IReadOnlyList<LayerBlob>?>();
        foreach (var input in step.Inputs)
        {
            layers.Add(input.Kind switch
            {
                InputKind.Stage => (await run.StageAsync(input.Stage!.Value).ConfigureAwait(false)).Layers,
                InputKind.Image => run.Images[input.Reference!].Layers,
                _ => null,
            });
        }

        var sources = new StepSources(run, step, layers);
        try
        {
            var checksums = new List<Digest>();
            for (var i = 0; i < step.Inputs.Count; i++)
            {
                checksums.Add(await sources.ChecksumAsync(i).ConfigureAwait(false));
            }

            sources.Checksums = checksums;
            if (step.Instruction is FileInstruction { Link: true, Chown: { } chown } && CopyOwner.NamesAnyone(chown))
            {
                sources.LinkOwner = await sources.ResolveOwnerBelowAsync(chown, below).ConfigureAwait(false);
            }

            return sources;
        }
        catch
        {
            await sources.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => _roots.DisposeAsync();

    // The file tree input index reads from: the context, or a stage's or image's root (mounted now if need be).
    private Task<SourceTree> TreeAsync(int index) =>
        Step.Inputs[index].Kind == InputKind.Context
            ? Task.FromResult(_run.Context)
            : _roots.TreeAsync(index, _layers[index] ?? throw new InvalidOperationException($"Input {index} of step {Step.Id} has no file tree."));

    private async Task<Digest> ChecksumAsync(int index)
    {
        var input = Step.Inputs[index];
        var excludes = Step.Instruction is FileInstruction file ? file.Excludes : [];
        switch (input.Kind)
        {
            case InputKind.Context when _run.ContextIdentity is null:
                return SourceChecksum.Compute(_run.Context, input.Paths, excludes);
            case InputKind.Context:
                // A tree never changes: the same selection from it always has the same checksum.
                return await MemoizedAsync(SelectionKey(_run.ContextIdentity, input.Paths, excludes), index).ConfigureAwait(false);
            case InputKind.Stage or InputKind.Image:
                // Layers never change either.
                return await MemoizedAsync(SelectionKey(StepKeys.FileSystem(_layers[index]!).ToString(), input.Paths, excludes), index).ConfigureAwait(false);
            case InputKind.Inline:
                return Digest.Sha256(Encoding.UTF8.GetBytes(input.Content ?? string.Empty));
            case InputKind.Url:
                var checksumFlag = (Step.Instruction as AddInstruction)?.Checksum;
                var download = await UrlFetcher.FetchAsync(_run.Engine.Http, input.Reference!, _run.Engine.DownloadDirectory, checksumFlag, _run.Cancellation).ConfigureAwait(false);
                try
                {
                    _downloads.Add(await StoreAsync(download).ConfigureAwait(false));
                }
                finally
                {
                    File.Delete(download.ContentPath);
                }

                return download.Digest;
            case InputKind.Git:
                var add = Step.Instruction as AddInstruction;
                var git = await GitFetcher.ResolveAsync(GitSourceSpec.Parse(input.Reference!), add?.Checksum, add?.KeepGitDir, _run.Cancellation).ConfigureAwait(false);
                _gitSources.Add(new GitCommit(input.Reference!, git.Commit, git.UsedRef, git.KeepGitDir, git.Checksum));
                return git.Checksum;
            default:
                throw new NotSupportedException($"Step {Step.Id} reads an input of unknown kind {input.Kind}.");
        }
    }

    private async Task<string> ResolveOwnerBelowAsync(string chown, IReadOnlyList<LayerBlob> below)
    {
        string root;
        if (below.Count > 0)
        {
            root = await _roots.MountAsync(below).ConfigureAwait(false);
        }
        else
        {
            // Scratch: no /etc/passwd, so only the error a missing name gets.
            root = Path.Combine(_run.Engine.DownloadDirectory, "empty-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(root);
        }

        try
        {
            var (uid, gid) = CopyOwner.Resolve(chown, root)!.Value;
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{uid}:{gid}");
        }
        finally
        {
            if (below.Count == 0)
            {
                Directory.Delete(root);
            }
        }
    }

    // Into the store, so that the step reads it by digest wherever it runs.
    private async Task<DownloadedFile> StoreAsync(FetchedUrl download)
    {
        var modified = File.GetLastWriteTimeUtc(download.ContentPath);
        await using (var content = File.OpenRead(download.ContentPath))
        {
            await _run.Engine.Content.WriteAsync(content, download.Digest, content.Length, _run.LeaseId, _run.Cancellation).ConfigureAwait(false);
        }

        return new DownloadedFile(download.Url, download.FileName, download.Digest, new DateTimeOffset(modified, TimeSpan.Zero));
    }

    private async Task<Digest> MemoizedAsync(string key, int index)
    {
        if (_run.Engine.SelectionChecksums.TryGetValue(key, out var known))
        {
            return known;
        }

        var hashedBefore = _roots.Digests.FilesHashed;
        var checksum = SourceChecksum.Compute(await TreeAsync(index).ConfigureAwait(false), Step.Inputs[index].Paths, (Step.Instruction as FileInstruction)?.Excludes ?? []);
        _run.Engine.CountStageFilesHashed(_roots.Digests.FilesHashed - hashedBefore);
        _run.Engine.SelectionChecksums.Set(key, checksum);
        return checksum;
    }

    private static string SelectionKey(string source, IReadOnlyList<string> paths, IReadOnlyList<string> excludes) =>
        $"{source}\n{string.Join('\0', paths)}\n{string.Join('\0', excludes)}";
}
