using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Sandbox;

namespace BuildFarm.Execution.Steps;

/// <summary>
/// What a running step gets from the build that asked for it and that never becomes part of a
/// description: secret values and agents (never stored, never keyed), where its output goes, and
/// what to say when it starts.
/// </summary>
public sealed record StepSession
{
    public ISecretSource? Secrets { get; init; }

    public ISshAgentSource? SshAgents { get; init; }

    /// <summary>Receives the process's output lines.</summary>
    public OutputSink? Output { get; init; }

    /// <summary>Called once the step has a slot and starts running, with the name of the silo (worker) that runs it.</summary>
    public Func<string, ValueTask>? Started { get; init; }

    /// <summary>A live lease of the runner's content store that the new layer joins, so eviction leaves it until the result is recorded.</summary>
    public string? LeaseId { get; init; }

    /// <summary>
    /// The silo that coordinates the build: where the runner's store fetches the blobs no other
    /// holder is recorded for (the Dockerfile, context files, downloads, base images); null on one machine.
    /// </summary>
    public string? BlobOrigin { get; init; }
}
