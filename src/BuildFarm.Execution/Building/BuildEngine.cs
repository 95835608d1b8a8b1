using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Dockerfile.Scoping;
using BuildFarm.Execution.Building.Internal;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Pruning;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;

namespace BuildFarm.Execution.Building;

/// <summary>
/// Builds Dockerfiles on one silo: plans the build, gives every step a cache key from what it
/// reads, reuses recorded results, joins a step another build is already running, runs the rest
/// (independent stages at the same time) and writes the image into the content store.
/// </summary>
public sealed class BuildEngine : IStepRunner
{
    // Enough for the selections of many builds' steps; each entry is a key string and a digest.
    private const int SelectionChecksumCapacity = 50_000;

    private int _running;
    private int _queued;
    private long _stageFilesHashed;

    // Builds are for the silo's own platform; the planner's default is the same.
    internal static Platform BuildPlatform { get; } = Platform.Parse(PredefinedArgs.DefaultPlatform);

    /// <param name="runner">Where steps that must run go; this engine itself by default.</param>
    /// <param name="baseImages">Where base images the store lacks come from; none by default (they must be loaded or pulled first).</param>
    /// <param name="blobs">Where blobs a described step needs and the store lacks come from (other silos); none by default.</param>
    public BuildEngine(ExecutionEngine execution, ContentStore content, IStepCache cache, BuildEngineOptions? options = null, TimeProvider? timeProvider = null, IStepRunner? runner = null, IBaseImageSource? baseImages = null, IBlobSource? blobs = null)
    {
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(cache);
        options ??= new BuildEngineOptions();
        options.Validate();
        Execution = execution;
        Content = content;
        Cache = cache;
        Options = options;
        Time = timeProvider ?? TimeProvider.System;
        StepSlots = new SemaphoreSlim(options.MaxConcurrentSteps);
        Runner = runner ?? this;
        BaseImages = baseImages;
        Blobs = blobs;
    }

    internal ExecutionEngine Execution { get; }

    internal ContentStore Content { get; }

    internal IStepCache Cache { get; }

    /// <summary>Where this engine's builds send the steps that must run.</summary>
    internal IStepRunner Runner { get; }

    /// <summary>Where base images the store lacks come from, or null when they must be in the store.</summary>
    internal IBaseImageSource? BaseImages { get; }

    /// <summary>Where blobs a described step needs and the store lacks come from, or null when they must be in the store.</summary>
    internal IBlobSource? Blobs { get; }

    /// <summary>The last result of each COPY from a context on this silo, which the next run of it on a changed context patches.</summary>
    internal ContextCopyHistory CopyHistory { get; } = new();

    /// <summary>How many COPY steps were made by patching the result of an earlier run on a changed context, rather than copying everything.</summary>
    public long CopiesPatched => CopyHistory.Patched;

    /// <summary>The builds running here, for their steps that run here too.</summary>
    internal PreparedBuilds PreparedBuilds { get; } = new();

    public BuildEngineOptions Options { get; }

    /// <summary>Steps running on this silo now.</summary>
    public int RunningSteps => Volatile.Read(ref _running);

    /// <summary>Steps waiting for a free slot.</summary>
    public int QueuedSteps => Volatile.Read(ref _queued);

    internal TimeProvider Time { get; }

    private SemaphoreSlim StepSlots { get; }

    /// <summary>
    /// File digests of context directories by (size, mtime, inode, ctime), shared by every build,
    /// so an unchanged context directory is never read twice. A context sent as a tree needs none.
    /// </summary>
    internal FileDigestCache Digests { get; } = new();

    /// <summary>Context files that steps read from the content store to copy them (a context sent as a tree); the Dockerfile is not counted.</summary>
    public ContextReads ContextReads { get; } = new();

    /// <summary>How many files builds had to read and hash to checksum what steps copy: none for a context sent as a tree.</summary>
    public long FilesHashed => Digests.FilesHashed + Interlocked.Read(ref _stageFilesHashed);

    /// <summary>Fetches ADD URLs.</summary>
    internal HttpClient Http { get; } = new();

    /// <summary>Where ADD downloads are kept while their step runs.</summary>
    internal string DownloadDirectory => Path.Combine(Content.DataDirectory, ScratchDirectories.Downloads);

    /// <summary>
    /// Checksums of selections from what never changes: stages' and images' layers, and context
    /// trees (by root digest and ignore file), so a warm build checksums nothing again.
    /// </summary>
    internal BoundedMemo<string, Digest> SelectionChecksums { get; } = new(SelectionChecksumCapacity);

    /// <summary>Counts files hashed to checksum a selection from a stage's or an image's root.</summary>
    internal void CountStageFilesHashed(long files) => Interlocked.Add(ref _stageFilesHashed, files);

    /// <summary>Runs <paramref name="step"/> when one of the silo's step slots is free.</summary>
    internal async Task<T> InSlotAsync<T>(Func<Task<T>> step, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queued);
        try
        {
            await StepSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }

        Interlocked.Increment(ref _running);
        try
        {
            return await step().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            StepSlots.Release();
        }
    }

    /// <summary>Runs a build to its end.</summary>
    /// <param name="events">Receives every step's progress and output as it happens; may be called from several stages at once.</param>
    /// <exception cref="DockerfileException">The Dockerfile is invalid.</exception>
    /// <exception cref="BaseImageNotFoundException">A base image is not in the store and cannot be pulled.</exception>
    /// <exception cref="EntitlementException">The build asks for an entitlement the engine does not grant, or uses one it did not ask for.</exception>
    /// <exception cref="StepFailedException">A step failed; the message names its Dockerfile line.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; running processes were killed and mounts released.</exception>
    public async Task<BuildResult> BuildAsync(BuildRequest request, BuildEventSink? events = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = BuildContext.Open(request, this);
        Entitlements.CheckGranted(request.Entitlements, Execution.AllowsNetworkHost);
        var (plan, images) = await PlanAsync(context.Dockerfile, request, events, cancellationToken).ConfigureAwait(false);
        Entitlements.CheckUsed(plan, request.Entitlements);
        var run = new BuildRun(this, request, plan, images, context, events);
        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads, parses and plans the request's Dockerfile as <see cref="BuildAsync"/> begins, before
    /// any base image is resolved: what can be found wrong with a request before it is accepted
    /// (the plan's errors that a base image's ONBUILD triggers bring come only with the build).
    /// </summary>
    /// <exception cref="FileNotFoundException">The Dockerfile is not in the context; the message names it as the request did.</exception>
    /// <exception cref="DockerfileException">The Dockerfile or the ignore file is malformed, or the plan impossible (an unknown target, a stage that does not exist).</exception>
    public void CheckDockerfile(BuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = BuildContext.Open(request, this);
        BuildPlanner.Plan(context.Dockerfile, PlanOptions(request.BuildArgs, request.Target, new KnownBaseImages(new Dictionary<string, BaseImage>())));
    }

    /// <summary>
    /// Runs one step from its description on this silo, when one of its slots is free: plans the
    /// build again from the digests the description gives (unless the build runs here), makes the
    /// inputs it names available and writes the step's layer into this silo's store. Blobs it
    /// names that the store lacks are fetched first from the engine's blob source, if it has one.
    /// </summary>
    /// <exception cref="ArgumentException">The description names a step its build's plan does not have.</exception>
    /// <exception cref="Storage.Content.BlobNotFoundException">A blob the description names is not in this silo's store.</exception>
    /// <exception cref="Sandbox.ProcessFailedException">A RUN command failed.</exception>
    public Task<CachedStep> RunAsync(StepDescription step, StepSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(session);
        return InSlotAsync(
            async () =>
            {
                if (session.Started is { } started)
                {
                    await started(Options.WorkerName).ConfigureAwait(false);
                }

                var build = PreparedBuilds.Find(step.Build.Identity());
                await StepBlobs.FetchMissingAsync(this, step, session, withContext: build is null, cancellationToken).ConfigureAwait(false);
                build ??= await PreparedBuild.FromInputsAsync(step.Build, this, cancellationToken).ConfigureAwait(false);
                await using var described = new DescribedStep(this, build, step, session, cancellationToken);
                return new CachedStep(await new StepExecutor(described).RunAsync().ConfigureAwait(false), Options.WorkerName);
            },
            cancellationToken);
    }

    internal static BuildPlanOptions PlanOptions(IReadOnlyDictionary<string, string> buildArgs, string? target, KnownBaseImages images) => new()
    {
        BuildArgs = buildArgs,
        Target = target,
        BaseImages = images,
    };

    // The planner asks for base configs as it meets FROM lines, whose names may come from build
    // args, and ONBUILD triggers of a base image may name further images: plan until every image
    // the plan needs is known; that last plan is the build's.
    private async Task<(BuildPlan Plan, IReadOnlyDictionary<string, BaseImage> Images)> PlanAsync(ParsedDockerfile dockerfile, BuildRequest request, BuildEventSink? events, CancellationToken cancellationToken)
    {
        var images = new Dictionary<string, BaseImage>(StringComparer.Ordinal);
        while (true)
        {
            var known = new KnownBaseImages(images);
            var plan = BuildPlanner.Plan(dockerfile, PlanOptions(request.BuildArgs, request.Target, known));
            var missing = known.Requested
                .Concat(plan.Stages.SelectMany(s => s.Steps).SelectMany(s => s.Inputs).Where(i => i.Kind == InputKind.Image).Select(i => i.Reference!))
                .Where(reference => !images.ContainsKey(reference))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (missing.Count == 0)
            {
                return (plan, images);
            }

            foreach (var reference in missing)
            {
                images[reference] = await ResolveBaseImageAsync(reference, request.Pull, events, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Once per reference and build: the plan asks again only for references it has not seen.
    private async Task<BaseImage> ResolveBaseImageAsync(string reference, bool pull, BuildEventSink? events, CancellationToken cancellationToken)
    {
        var pulled = false;
        var parsed = Oci.References.ImageReference.Parse(reference);

        // A digest pins the content: pulling it again could bring nothing new.
        if (BaseImages is not null && pull && parsed.Digest is null)
        {
            await BaseImages.PullAsync(parsed, BuildPlatform, cancellationToken).ConfigureAwait(false);
            pulled = true;
        }

        BaseImage image;
        try
        {
            image = await StoredImages.ResolveAsync(Content, reference, BuildPlatform, cancellationToken, layersElsewhere: Blobs is not null).ConfigureAwait(false);
        }
        catch (BaseImageNotFoundException) when (BaseImages is not null && !pulled)
        {
            await BaseImages.PullAsync(parsed, BuildPlatform, cancellationToken).ConfigureAwait(false);
            pulled = true;
            image = await StoredImages.ResolveAsync(Content, reference, BuildPlatform, cancellationToken, layersElsewhere: Blobs is not null).ConfigureAwait(false);
        }

        if (events is not null)
        {
            await events(new BaseImageResolved(Time.GetUtcNow(), reference, image.Resolved, pulled), cancellationToken).ConfigureAwait(false);
        }

        return image;
    }
}
