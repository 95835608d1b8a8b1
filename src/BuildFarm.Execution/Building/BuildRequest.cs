using BuildFarm.Execution.Mounts;

namespace BuildFarm.Execution.Building;

/// <summary>One build: a Dockerfile in a context directory and what the caller asks of it.</summary>
public sealed record BuildRequest
{
    /// <summary>The build context: a directory on this silo's disk.</summary>
    public required string ContextDirectory { get; init; }

    /// <summary>The Dockerfile, relative to the context or absolute (<c>-f</c>).</summary>
    public string DockerfilePath { get; init; } = "Dockerfile";

    /// <summary><c>--build-arg NAME=value</c>.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--target</c>, or null for the last stage.</summary>
    public string? Target { get; init; }

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
}
