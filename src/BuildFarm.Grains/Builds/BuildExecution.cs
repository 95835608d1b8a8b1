using BuildFarm.Execution.Building;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Pruning;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Grains.Ssh;
using BuildFarm.Oci;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Pruning;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// One run of a build on the silo's engine, off any grain's scheduler: it reads and writes the
/// store's files, so it runs on the thread pool, and reports how the build ended without throwing.
/// </summary>
internal sealed class BuildExecution(string buildId, BuildEngine engine, ContentStore content, IImageNames names, IBlobAvailability availability, RegistryClient registry, PruneGate gate, IGrainFactory grains, TimeProvider time)
{
    // The whole build holds the prune gate: from its context, through the blobs and snapshots its
    // steps read, to the names it sets and the push; a prune waits for it and later builds wait
    // for the prune. Its context is leased before it waits, so a prune it waits for keeps it.
    public async Task<BuildOutcome> RunAsync(BuildSpec spec, BuildSecrets secrets, Action<BuildEvent> observe, Action<BuildEventRecord> append, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(secrets);
        var contextLease = "context-" + buildId;
        content.Leases.Create(contextLease);
        SshKeyAgents? agents = null;
        var forwarded = ForwardedSshAgents.For(grains, secrets);
        try
        {
            await ContextTree.LeaseAsync(Digest.Parse(spec.ContextDigest), content, contextLease, cancellationToken).ConfigureAwait(false);
            using var hold = await gate.EnterWorkAsync(cancellationToken).ConfigureAwait(false);
            if (secrets.SshKeys.Count > 0)
            {
                agents = await SshKeyAgents.StartAsync(secrets.SshKeys, Path.Combine(content.DataDirectory, ScratchDirectories.Agents), cancellationToken).ConfigureAwait(false);
            }

            // The engine reads the context from the tree the client sent: no file of it is written
            // out, and only the files of steps that run are read.
            var result = await engine.BuildAsync(
                spec.ToBuildRequest() with
                {
                    // The same values whichever silo runs a step: a worker elsewhere gets them in memory.
                    Secrets = secrets.Values.Count > 0 ? new BuildSessionSecrets(secrets, agents, forwarded) : null,
                    SshAgents = agents is null && forwarded is null ? null : new BuildSessionSecrets(secrets, agents, forwarded),
                },
                (buildEvent, _) =>
                {
                    observe(buildEvent);
                    return ValueTask.CompletedTask;
                },
                cancellationToken).ConfigureAwait(false);

            // The cluster's names: every silo sees the tags a build sets.
            foreach (var tag in spec.Tags)
            {
                await names.SetAsync(tag, result.Manifest, cancellationToken).ConfigureAwait(false);
            }

            if (spec.Push)
            {
                await PushAsync(result, spec.Tags, append, cancellationToken).ConfigureAwait(false);
            }

            return new BuildOutcome(BuildState.Succeeded, null, BuildEvents.ToOutput(result), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new BuildOutcome(BuildState.Cancelled, "cancelled", null, null);
        }
        catch (StepFailedException e)
        {
            return new BuildOutcome(BuildState.Failed, e.Message, null, BuildEvents.ToRecord(e.Failure), e);
        }
        catch (Exception e)
        {
            return new BuildOutcome(BuildState.Failed, e.Message, null, null, e);
        }
        finally
        {
            if (agents is not null)
            {
                await agents.DisposeAsync().ConfigureAwait(false);
            }

            if (forwarded is not null)
            {
                await EndForwardingAsync(forwarded).ConfigureAwait(false);
            }

            content.Leases.Delete(contextLease);
        }
    }

    // The client's stream closes with it. A session lost with its silo has ended already.
    private static async Task EndForwardingAsync(ForwardedSshAgents forwarded)
    {
        try
        {
            await forwarded.EndAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // Nothing waits on it: the client's call ends when its build's stream does.
        }
    }

    // Each repository gets the image once, under all of its tags; blobs it has already are skipped.
    private async Task PushAsync(BuildResult result, IReadOnlyList<string> tags, Action<BuildEventRecord> append, CancellationToken cancellationToken)
    {
        // Hits and base images may have left layers on other silos.
        await availability.EnsureImageLocalAsync(content, result.Manifest, withLayers: true, cancellationToken).ConfigureAwait(false);
        var pusher = new ImagePusher(registry);
        var blobs = new ContentStoreBlobs(content);
        foreach (var repository in tags.Select(ImageReference.Parse).GroupBy(reference => reference.Repository))
        {
            var pushed = await pusher.PushAsync(repository.Key, result.Manifest, blobs, [.. repository.Select(r => r.Tag!)], cancellationToken: cancellationToken).ConfigureAwait(false);
            append(new BuildEventRecord
            {
                Sequence = 0,
                Timestamp = time.GetUtcNow(),
                Kind = BuildEventKind.Log,
                Name = "pushing",
                Text = $"pushed {repository.Key} ({string.Join(", ", repository.Select(r => r.Tag))}): {pushed.Blobs.Count(b => b.Outcome == BlobPushOutcome.AlreadyExists)} of {pushed.Blobs.Count} blobs were there already",
            });
        }
    }

}

/// <summary>How a build ended: its state, the error for a person, the image, the step it failed in and the exception behind it.</summary>
internal sealed record BuildOutcome(BuildState State, string? Error, BuildOutput? Output, StepFailureRecord? FailedStep, Exception? Exception = null);
