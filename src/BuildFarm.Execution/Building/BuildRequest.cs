using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Oci;

namespace BuildFarm.Execution.Building;

/// <summary>
/// One build: a Dockerfile, its context and what the caller asks of it. The context is either a
/// content tree in the store (<see cref="ContextTree"/>: what a client sends the farm) or a
/// directory on this silo's disk (<see cref="ContextDirectory"/>), exactly one of the two.
/// </summary>
public sealed record BuildRequest
{
    /// <summary>The build context as a directory on this silo's disk.</summary>
    public string? ContextDirectory { get; init; }

    /// <summary>
    /// The build context as the root node of a content tree in the store. Its nodes are read as
    /// the build needs them, and file content only when a step that runs copies it.
    /// </summary>
    public Digest? ContextTree { get; init; }

    /// <summary>
    /// The Dockerfile: relative to the context (for a tree, a path in it) or, for a context
    /// directory, absolute (<c>-f</c>). With <see cref="DockerfileContent"/>, only its name counts:
    /// errors name it and its <c>.dockerignore</c> is looked for beside it.
    /// </summary>
    public string DockerfilePath { get; init; } = "Dockerfile";

    /// <summary>The Dockerfile's text, when it is not read from the context (<c>-f -</c>, a Dockerfile outside the context).</summary>
    public string? DockerfileContent { get; init; }

    /// <summary><c>--build-arg NAME=value</c>.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--target</c>, or null for the last stage.</summary>
    public string? Target { get; init; }

    /// <summary>
    /// <c>--pull</c>: every base image named by tag is pulled again, so the build uses what the tag
    /// names now. Without it, only images the store lacks are pulled.
    /// </summary>
    public bool Pull { get; init; }

    /// <summary><c>--no-cache</c>: every step runs, and its result replaces the recorded one.</summary>
    public bool NoCache { get; init; }

    /// <summary><c>--label</c>: labels added to the image's config.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--no-cache-filter</c>: the stages (by name or index) whose steps all run.</summary>
    public IReadOnlyList<string> NoCacheFilter { get; init; } = [];

    /// <summary><c>--secret</c>: what <c>RUN --mount=type=secret</c> reads; null for none.</summary>
    public ISecretSource? Secrets { get; init; }

    /// <summary><c>--ssh</c>: the agents <c>RUN --mount=type=ssh</c> forwards; null for none.</summary>
    public ISshAgentSource? SshAgents { get; init; }

    /// <summary><c>--add-host NAME:IP</c>: lines every RUN step's <c>/etc/hosts</c> gets, in this order.</summary>
    public IReadOnlyList<ExtraHost> ExtraHosts { get; init; } = [];

    /// <summary>
    /// <c>--allow</c>: the entitlements the build asks for (<see cref="Entitlements.NetworkHost"/>);
    /// each must also be granted by the engine, or the build fails before it starts.
    /// </summary>
    public IReadOnlyList<string> Entitlements { get; init; } = [];

    /// <summary>
    /// An export or a push reads the image once the build ends (<c>--output</c>, <c>--push</c>):
    /// the layers of it this silo lacks (hits recorded on other silos, base layers) are fetched
    /// while the build runs rather than after it. Nothing is fetched for a build without peers.
    /// </summary>
    public bool ImageIsExported { get; init; }
}
