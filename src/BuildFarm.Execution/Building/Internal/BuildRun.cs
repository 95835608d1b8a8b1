using System.Collections.Concurrent;
using System.Globalization;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Config;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Snapshots;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// One build as it runs: every needed stage is started at once and waits only for what it reads
/// (its base stage, the stages it copies or mounts from), so independent stages run in parallel.
/// The first failure cancels the rest.
/// </summary>
internal sealed class BuildRun
{
    // The diffID of an empty tar: a step that changed nothing adds no layer (as BuildKit's exporter drops it).
    private static readonly Digest EmptyLayerDiffId = Digest.Sha256(new byte[1024]);

    private readonly BuildRequest _request;
    private readonly BuildPlan _plan;
    private readonly BuildEventSink? _events;
    private readonly DateTimeOffset _epoch;
    private readonly ConcurrentDictionary<int, Task<StageOutput>> _stages = new();
    private readonly ConcurrentDictionary<StepId, StepResult> _results = new();
    private readonly BuildContext _context;

    // Null unless an export or push follows and the engine has peers to fetch from.
    private readonly ImageLayerPrefetch? _prefetch;
    private BuildInputs? _inputs;

    public BuildRun(BuildEngine engine, BuildRequest request, BuildPlan plan, IReadOnlyDictionary<string, BaseImage> images, BuildContext context, BuildEventSink? events)
    {
        Engine = engine;
        _request = request;
        _plan = plan;
        Images = images;
        _context = context;
        Context = context.Tree;
        ContextIdentity = context.Identity;
        _events = events;
        _epoch = SourceDateEpoch(request, engine.Options);
        LayerOptions = new LayerWriterOptions { Compression = engine.Options.Compression, SourceDateEpoch = _epoch };
        _prefetch = request.ImageIsExported && engine.Blobs is { } blobs ? new ImageLayerPrefetch(engine.Content, blobs) : null;
    }

    public BuildEngine Engine { get; }

    public BuildRequest Request => _request;

    public IReadOnlyDictionary<string, BaseImage> Images { get; }

    /// <summary>The build context, with its <c>.dockerignore</c>.</summary>
    public SourceTree Context { get; }

    /// <summary>What fixes the context's content (see <see cref="BuildContext.Identity"/>); null when it may change.</summary>
    public string? ContextIdentity { get; }

    public LayerWriterOptions LayerOptions { get; }

    /// <summary>Keeps the blobs this build writes from eviction until it ends.</summary>
    public string LeaseId { get; } = "build-" + Guid.NewGuid().ToString("N");

    /// <summary>Cancelled when the caller cancels or a stage fails.</summary>
    public CancellationToken Cancellation { get; private set; }

    public async Task<BuildResult> ExecuteAsync(CancellationToken cancellationToken)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Cancellation = failFast.Token;
        Engine.Content.Leases.Create(LeaseId);
        try
        {
            _inputs = await DescribeAsync().ConfigureAwait(false);
            using var prepared = Engine.PreparedBuilds.Add(_inputs.Identity(), new PreparedBuild(_plan, _context));
            foreach (var stage in _plan.Stages)
            {
                foreach (var step in stage.Steps)
                {
                    await EmitAsync(new StepQueued(Now, step.Id, NameOf(stage, step), InputsOf(step), Engine.Options.WorkerName)).ConfigureAwait(false);
                }
            }

            var stages = _plan.Stages.Select(stage => StageAsync(stage.Index)).ToList();
            try
            {
                await Task.WhenAll(stages).ConfigureAwait(false);
            }
            catch
            {
                await failFast.CancelAsync().ConfigureAwait(false);

                // Report the failure that started it, not a stage cancelled because of it.
                var failures = stages.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).ToList();
                if (failures.FirstOrDefault(e => e is not OperationCanceledException) is { } cause)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
                }

                throw;
            }

            var target = WithLabels(await StageAsync(_plan.Target.Index).ConfigureAwait(false), _request.Labels);
            var (manifest, configDigest) = await WriteImageAsync(target).ConfigureAwait(false);
            var steps = _results.Values.OrderBy(r => r.Id.Stage).ThenBy(r => r.Id.Step).ToList();
            return new BuildResult(manifest, target.Config, configDigest, steps);
        }
        finally
        {
            Engine.Content.Leases.Delete(LeaseId);
        }
    }

    private DateTimeOffset Now => Engine.Time.GetUtcNow();

    /// <summary>A stage's output, started on first use.</summary>
    public Task<StageOutput> StageAsync(int index) =>
        _stages.GetOrAdd(index, i => Task.Run(() => RunStageAsync(_plan.Stage(i)), Cancellation));

    private async Task<StageOutput> RunStageAsync(PlannedStage stage)
    {
        var (builder, layers) = stage.Base.Kind switch
        {
            StageBaseKind.Image => Start(Images[stage.Base.Image!].Config, Images[stage.Base.Image!].Layers),
            StageBaseKind.Stage => Start(await StageAsync(stage.Base.Stage!.Value).ConfigureAwait(false)),
            _ => (ImageConfigBuilder.FromScratch(Platform.Parse(stage.Platform), _epoch), new List<LayerBlob>()),
        };
        var noCache = _request.NoCache || _request.NoCacheFilter.Any(filter =>
            string.Equals(filter, stage.Name, StringComparison.OrdinalIgnoreCase) || filter == stage.Index.ToString(CultureInfo.InvariantCulture));
        var prefetch = IsInImage(stage.Index) ? _prefetch : null;
        if (prefetch is not null && stage.Base.Kind == StageBaseKind.Image)
        {
            layers.ForEach(layer => prefetch.Add(layer.Descriptor.Digest, holder: null));
        }

        Digest? resolved = null; // the stage's last key resolved, which the next one follows
        foreach (var step in stage.Steps)
        {
            var name = NameOf(stage, step);
            var started = Engine.Time.GetTimestamp();
            Digest? key = null;
            try
            {
                builder.Apply(step);
                await using var sources = await StepSources.OpenAsync(step, this, layers).ConfigureAwait(false);
                key = StepKeys.Step(step, StepKeys.FileSystem(layers), sources.Checksums, sources.LinkOwner, _request.ExtraHosts);
                var (result, outcome) = step.ProducesLayer
                    ? await ResolveAsync(step, name, key.Value, resolved, layers, sources, noCache).ConfigureAwait(false)
                    : (new CachedStep(null, Engine.Options.WorkerName), StepOutcome.ConfigOnly);
                resolved = step.ProducesLayer ? key : resolved;

                var contributed = result.Layer is { } layer && layer.DiffId != EmptyLayerDiffId ? layer : null;
                if (contributed is not null)
                {
                    layers.Add(contributed);
                    builder.AddLayer(contributed.DiffId);
                    prefetch?.Add(contributed.Descriptor.Digest, result.Worker);
                }
                else if (step.ProducesLayer)
                {
                    builder.OmitEmptyLayer();
                }

                var stepResult = new StepResult(step.Id, name, key.Value, outcome, Engine.Time.GetElapsedTime(started), contributed, result.Worker);
                _results[step.Id] = stepResult;
                await EmitAsync(new StepFinished(Now, step.Id, name, stepResult)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var failure = StepFailure.Of(step.Id, step.Instruction.Location.ToString(), e);
                var worker = e is StepFailedOnWorkerException { Worker.Length: > 0 } elsewhere ? elsewhere.Worker : Engine.Options.WorkerName;
                await EmitAsync(new StepFailed(Now, step.Id, name, key, e.Message, failure, worker)).ConfigureAwait(false);
                throw new StepFailedException(failure, FirstLine(step.Text), e);
            }
        }

        return new StageOutput(layers, builder.Build());
    }

    // The image is the target stage's layers: its own and those of the stages it is built FROM.
    private bool IsInImage(int stageIndex)
    {
        for (var stage = _plan.Target; ; stage = _plan.Stage(stage.Base.Stage!.Value))
        {
            if (stage.Index == stageIndex)
            {
                return true;
            }

            if (stage.Base.Kind != StageBaseKind.Stage)
            {
                return false;
            }
        }
    }

    /// <summary>The steps whose results <paramref name="step"/> reads: its parent, then the last step of every stage it copies from or mounts.</summary>
    private List<StepId> InputsOf(PlannedStep step)
    {
        var inputs = new List<StepId>();
        if (step.Parent is { } parent)
        {
            inputs.Add(parent);
        }

        foreach (var stage in step.Inputs.Where(input => input.Kind == InputKind.Stage).Select(input => input.Stage!.Value).Distinct())
        {
            if (LastStepOf(stage) is { } last && !inputs.Contains(last))
            {
                inputs.Add(last);
            }
        }

        return inputs;
    }

    // A stage without steps of its own is its base stage's result.
    private StepId? LastStepOf(int stageIndex)
    {
        var stage = _plan.Stage(stageIndex);
        return stage.Steps.Count > 0 ? stage.Steps[^1].Id
            : stage.Base.Kind == StageBaseKind.Stage ? LastStepOf(stage.Base.Stage!.Value)
            : null;
    }

    private (ImageConfigBuilder, List<LayerBlob>) Start(StageOutput baseStage) => Start(baseStage.Config, baseStage.Layers);

    private (ImageConfigBuilder, List<LayerBlob>) Start(ImageConfig config, IReadOnlyList<LayerBlob> layers) =>
        (ImageConfigBuilder.FromBase(config, _epoch), [.. layers]);

    private Task<(CachedStep Result, StepOutcome Outcome)> ResolveAsync(PlannedStep step, string name, Digest key, Digest? after, IReadOnlyList<LayerBlob> below, StepSources sources, bool noCache)
    {
        // A runner says where the step runs before its process prints anything; a step that runs
        // again elsewhere (its silo lost) says so again, so its later lines name the new silo.
        var runningOn = Engine.Options.WorkerName;
        return Engine.Cache.ResolveAsync(
            key,
            after,
            reuse: !noCache,
            IsStored,
            cancellationToken => Engine.Runner.RunAsync(
                new StepDescription
                {
                    Key = key,
                    Build = _inputs!,
                    Step = step.Id,
                    Parents = [.. below],
                    InputLayers = sources.InputLayers,
                    Downloads = sources.Downloads,
                    GitSources = sources.GitSources,
                    LinkOwner = sources.LinkOwner,
                },
                new StepSession
                {
                    Secrets = _request.Secrets,
                    SshAgents = _request.SshAgents,
                    Output = (line, _) => EmitAsync(new StepLog(line.Timestamp, step.Id, name, line, Volatile.Read(ref runningOn))),
                    Started = worker =>
                    {
                        Volatile.Write(ref runningOn, worker);
                        return EmitAsync(new StepStarted(Now, step.Id, name, key, worker));
                    },
                    LeaseId = LeaseId,
                },
                cancellationToken),
            Cancellation);
    }

    // What every step's description shares. The Dockerfile goes into the store (under the build's
    // lease) so that a step can be planned from its digest wherever it runs.
    private async Task<BuildInputs> DescribeAsync()
    {
        var dockerfile = System.Text.Encoding.UTF8.GetBytes(_context.DockerfileText);
        var digest = Digest.Sha256(dockerfile);
        using (var stream = new MemoryStream(dockerfile, writable: false))
        {
            await Engine.Content.WriteAsync(stream, digest, dockerfile.Length, LeaseId, Cancellation).ConfigureAwait(false);
        }

        return new BuildInputs
        {
            Dockerfile = digest,
            DockerfileName = _context.DockerfileName,
            BuildArgs = _request.BuildArgs,
            Target = _request.Target,
            ExtraHosts = [.. _request.ExtraHosts.Select(host => host.ToString())],
            BaseImages = Images.ToDictionary(image => image.Key, image => image.Value.Manifest, StringComparer.Ordinal),
            ContextTree = _context.TreeRoot,
            ContextIgnoreFile = _context.IgnoreFile,
            ContextDirectory = _context.TreeRoot is null ? Path.GetFullPath(_request.ContextDirectory!) : null,
            Compression = LayerOptions.Compression,
            SourceDateEpoch = _epoch,
        };
    }

    // A recorded layer whose blob has since been evicted is no hit: the step runs again.
    private bool IsStored(CachedStep step) => step.Layer is null || Engine.Content.Exists(step.Layer.Descriptor.Digest);

    // As buildx's --label: set on the result, after everything the Dockerfile set.
    private static StageOutput WithLabels(StageOutput target, IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Count == 0)
        {
            return target;
        }

        var config = target.Config.Config ?? new ContainerConfig();
        var merged = new Dictionary<string, string>(config.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            merged[name] = value;
        }

        return target with { Config = target.Config with { Config = config with { Labels = merged } } };
    }

    private async Task<(Descriptor Manifest, Digest Config)> WriteImageAsync(StageOutput target)
    {
        var configJson = target.Config.ToJson();
        var config = Descriptor.FromContent(MediaTypes.OciConfig, configJson);

        // A Docker-typed base layer is the same bytes under its OCI name.
        var manifest = new ImageManifest
        {
            Config = config,
            Layers = [.. target.Layers.Select(layer => layer.Descriptor with { MediaType = MediaTypes.OciLayerFor(MediaTypes.GetLayerCompression(layer.Descriptor.MediaType)) })],
        };
        var manifestJson = manifest.ToJson();
        var descriptor = Descriptor.FromContent(MediaTypes.OciManifest, manifestJson);
        // Both at once, on two threads (a small write runs synchronously through its fsync), so their
        // syncs overlap. Nothing names the manifest before this returns: a crash between the two
        // leaves at most a manifest no build refers to, which prune takes.
        await Task.WhenAll(Task.Run(() => WriteBlobAsync(configJson, config)), WriteBlobAsync(manifestJson, descriptor)).ConfigureAwait(false);
        return (descriptor, config.Digest);
    }

    private async Task WriteBlobAsync(byte[] content, Descriptor descriptor)
    {
        using var stream = new MemoryStream(content, writable: false);
        await Engine.Content.WriteAsync(stream, descriptor.Digest, descriptor.Size, LeaseId, Cancellation).ConfigureAwait(false);
    }

    public ValueTask EmitAsync(BuildEvent buildEvent) => _events?.Invoke(buildEvent, Cancellation) ?? ValueTask.CompletedTask;

    /// <summary>
    /// BuildKit's progress name: <c>[build 2/4] RUN make</c>, the stage name only when there are
    /// several. A FROM counts as the stage's first step only when it names an image: FROM scratch
    /// and FROM another stage make nothing of their own. The number is padded to the total's
    /// width (<c>[ 2/10]</c>), as BuildKit's is.
    /// </summary>
    private string NameOf(PlannedStage stage, PlannedStep step)
    {
        var prefix = _plan.StagesInDockerfile > 1 ? stage.DisplayName + " " : string.Empty;
        var from = stage.Base.Kind == StageBaseKind.Image ? 1 : 0;
        var total = (stage.Steps.Count + from).ToString(CultureInfo.InvariantCulture);
        var number = (step.Id.Step + from).ToString(CultureInfo.InvariantCulture).PadLeft(total.Length);
        return $"[{prefix}{number}/{total}] {FirstLine(step.Text)}";
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    private static DateTimeOffset SourceDateEpoch(BuildRequest request, BuildEngineOptions options) =>
        request.BuildArgs.TryGetValue("SOURCE_DATE_EPOCH", out var value) && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : options.SourceDateEpoch;
}
