using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Oci;

namespace BuildFarm.Execution.Building;

/// <summary>Something that happened to one step of a build, as it happened.</summary>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Step">The step.</param>
/// <param name="Name">The step as BuildKit shows it: <c>[build 2/4] RUN make</c>.</param>
public abstract record BuildEvent(DateTimeOffset Timestamp, StepId Step, string Name);

/// <summary>The step waits for what it depends on (its parent, the stages it copies from).</summary>
/// <param name="Inputs">The steps whose results it reads: its parent, then the last step of each stage it copies from or mounts, in plan order.</param>
/// <param name="Worker">The silo (worker) that coordinates the build and will place the step.</param>
public sealed record StepQueued(DateTimeOffset Timestamp, StepId Step, string Name, IReadOnlyList<StepId> Inputs, string Worker) : BuildEvent(Timestamp, Step, Name);

/// <summary>The step's key is known and nothing recorded matches it: it starts running.</summary>
/// <param name="Worker">The silo that runs it.</param>
public sealed record StepStarted(DateTimeOffset Timestamp, StepId Step, string Name, Digest Key, string Worker) : BuildEvent(Timestamp, Step, Name);

/// <summary>A line the step's process printed.</summary>
/// <param name="Worker">The silo (worker) whose process printed it.</param>
public sealed record StepLog(DateTimeOffset Timestamp, StepId Step, string Name, OutputLine Line, string Worker) : BuildEvent(Timestamp, Step, Name);

/// <summary>The step has its result.</summary>
public sealed record StepFinished(DateTimeOffset Timestamp, StepId Step, string Name, StepResult Result) : BuildEvent(Timestamp, Step, Name);

/// <summary>The step failed; the build stops.</summary>
/// <param name="Failure">The failure in parts (exit code, last lines), for clients that show them apart from <paramref name="Error"/>.</param>
/// <param name="Worker">The silo (worker) where it failed: the one that ran it, or this engine's for a step that failed before running.</param>
public sealed record StepFailed(DateTimeOffset Timestamp, StepId Step, string Name, Digest? Key, string Error, StepFailure Failure, string Worker) : BuildEvent(Timestamp, Step, Name);

/// <summary>
/// A base image's reference was resolved before any step (BuildKit's <c>[internal] load metadata
/// for ...</c>): the digest it named, which the build's steps use. Not a step's event:
/// <see cref="BuildEvent.Step"/> is <c>default</c>.
/// </summary>
/// <param name="Reference">The image as the Dockerfile named it, normalised: <c>docker.io/library/busybox:latest</c>.</param>
/// <param name="Digest">What the reference named: the image's manifest, or the index of several platforms' manifests.</param>
/// <param name="Pulled">Whether the image was pulled from its registry for this build (missing, or <see cref="BuildRequest.Pull"/>).</param>
public sealed record BaseImageResolved(DateTimeOffset Timestamp, string Reference, Digest Digest, bool Pulled)
    : BuildEvent(Timestamp, default, $"[internal] load metadata for {Reference}");

/// <summary>Receives a build's events; called from several stages at once, so it must be thread-safe.</summary>
public delegate ValueTask BuildEventSink(BuildEvent buildEvent, CancellationToken cancellationToken);
