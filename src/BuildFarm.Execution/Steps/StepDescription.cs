using System.Text.Json;
using System.Text.Json.Serialization;
using BuildFarm.Dockerfile.Planning;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Steps;

/// <summary>
/// One step that must run, described by content digests alone: the build it belongs to
/// (<see cref="BuildInputs"/>), which of its steps it is, the layers below it and the layers of
/// every stage or image it reads. A silo whose content store holds the blobs it names — or that
/// fetches them first — runs it with the same engine code and writes the same layer.
/// </summary>
public sealed record StepDescription
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The step's cache key, as the build computed it: what its result is recorded under.</summary>
    public required Digest Key { get; init; }

    public required BuildInputs Build { get; init; }

    /// <summary>The step in the build's plan (stage index, step index within it).</summary>
    public required StepId Step { get; init; }

    /// <summary>The layers the step runs on, bottom first; empty for scratch.</summary>
    public required IReadOnlyList<LayerBlob> Parents { get; init; }

    /// <summary>
    /// One entry per input of the planned step, in order: the layers of the stage or image it
    /// reads, bottom first; null for an input that is not a file system (the context, an inline
    /// file, a URL).
    /// </summary>
    public required IReadOnlyList<IReadOnlyList<LayerBlob>?> InputLayers { get; init; }

    /// <summary>The ADD URLs the step reads, as downloaded when its key was computed; their content is a blob in the store.</summary>
    public IReadOnlyList<DownloadedFile> Downloads { get; init; } = [];

    /// <summary>The Git sources the step reads (ADD), by the commit each ref resolved to when its key was computed.</summary>
    public IReadOnlyList<GitCommit> GitSources { get; init; } = [];

    /// <summary>
    /// <c>COPY --link --chown=NAME</c>: the <c>uid:gid</c> the names have in the stage below,
    /// resolved when the key was computed (the layer is made apart from that stage); null otherwise.
    /// </summary>
    public string? LinkOwner { get; init; }

    /// <summary>Every blob the step reads besides its context files: the Dockerfile, base image manifests, parent and input layers, downloads.</summary>
    public IEnumerable<Digest> Blobs() =>
        new[] { Build.Dockerfile }
            .Concat(Build.BaseImages.Values)
            .Concat(Parents.Select(layer => layer.Descriptor.Digest))
            .Concat(InputLayers.SelectMany(layers => layers ?? []).Select(layer => layer.Descriptor.Digest))
            .Concat(Downloads.Select(download => download.Digest))
            .Distinct();

    /// <summary>The description as JSON, for sending it to another silo or keeping it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <exception cref="JsonException">Not a step description.</exception>
    public static StepDescription FromJson(string json) =>
        JsonSerializer.Deserialize<StepDescription>(json, JsonOptions) ?? throw new JsonException("A step description cannot be null.");
}

/// <summary>
/// What every step of one build shares, by digest: the Dockerfile and what its plan depends on
/// (build args, target, the base images' manifests, whose configs give ENV, USER, SHELL and
/// ONBUILD), the context tree, and how layers are written. The plan is a pure function of these,
/// so any silo that has them plans the build exactly as the silo that coordinates it did.
/// </summary>
public sealed record BuildInputs
{
    /// <summary>The Dockerfile's text as a blob in the store.</summary>
    public required Digest Dockerfile { get; init; }

    /// <summary>The Dockerfile's name in messages, and where its <c>.dockerignore</c> was looked for.</summary>
    public required string DockerfileName { get; init; }

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }

    /// <summary>Each image reference the plan names (FROM, COPY --from, mounts), with the manifest it resolved to for this build.</summary>
    public IReadOnlyDictionary<string, Digest> BaseImages { get; init; } = new Dictionary<string, Digest>();

    /// <summary><c>--add-host</c>: the <c>NAME:IP</c> lines every RUN step's <c>/etc/hosts</c> gets (<see cref="Sandbox.ExtraHost"/>).</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];

    /// <summary>The context as the root node of a content tree; null when the build's context is a directory.</summary>
    public Digest? ContextTree { get; init; }

    /// <summary>The ignore file in force, as a path in <see cref="ContextTree"/>; null for none.</summary>
    public string? ContextIgnoreFile { get; init; }

    /// <summary>
    /// A context directory on the coordinating silo's disk: a build that names its context this way
    /// (tests, a local engine) can run its steps only there. Null for a context tree.
    /// </summary>
    public string? ContextDirectory { get; init; }

    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>The time new layers' file times are clamped to.</summary>
    public required DateTimeOffset SourceDateEpoch { get; init; }

    /// <summary>
    /// A string that is equal for equal inputs: what a silo remembers a build's plan under.
    /// </summary>
    public string Identity() =>
        JsonSerializer.Serialize(this with
        {
            BuildArgs = new SortedDictionary<string, string>(BuildArgs.ToDictionary(), StringComparer.Ordinal),
            BaseImages = new SortedDictionary<string, Digest>(BaseImages.ToDictionary(), StringComparer.Ordinal),
        });
}

/// <summary>A Git source of ADD at the commit its ref resolved to (<see cref="Files.GitFetcher"/>).</summary>
/// <param name="Source">The source as written in the Dockerfile.</param>
/// <param name="Checksum">What the step's key counts for it.</param>
public sealed record GitCommit(string Source, string Commit, string UsedRef, bool KeepGitDir, Digest Checksum);

/// <summary>An ADD URL's download: its content is the blob <see cref="Digest"/>.</summary>
/// <param name="FileName">The name ADD gives the file.</param>
/// <param name="ModificationTime">What the server's Last-Modified said (the Unix epoch without one).</param>
public sealed record DownloadedFile(string Url, string FileName, Digest Digest, DateTimeOffset ModificationTime);
