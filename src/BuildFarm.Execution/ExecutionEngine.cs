using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Networking;
using BuildFarm.Execution.Mounts.Internal;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Sandbox.Internal;
using BuildFarm.Execution.Snapshots;
using BuildFarm.Execution.Steps;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage.Content;

namespace BuildFarm.Execution;

/// <summary>
/// Runs build steps on one silo: layer snapshots, overlay root file systems and runc sandboxes,
/// all kept in the content store's data directory. One engine per data directory; opening it
/// clears what a crashed predecessor left (containers, mounts, exec dirs, half-unpacked snapshots).
/// </summary>
public sealed class ExecutionEngine
{
    /// <summary>Where every engine's step cgroups go, in each cgroup hierarchy.</summary>
    private const string StepCgroupParent = "/buildfarm";

    private readonly ContentStore _content;
    private readonly bool _promoteLayerDirectories;

    private ExecutionEngine(ContentStore content, ExecutionPaths paths, SnapshotStore snapshots, RuncSandbox sandbox, StepNetwork network, bool promoteLayerDirectories, long cacheMountsMaxBytes)
    {
        Network = network;
        _content = content;
        _promoteLayerDirectories = promoteLayerDirectories;
        Paths = paths;
        Snapshots = snapshots;
        Sandbox = sandbox;
        CacheMounts = new CacheMountStore(paths.CacheMounts, cacheMountsMaxBytes);
    }

    public SnapshotStore Snapshots { get; }

    public RuncSandbox Sandbox { get; }

    /// <summary>The network RUN steps with the default network mode get.</summary>
    public StepNetwork Network { get; }

    /// <summary>Whether builds may ask for <c>RUN --network=host</c> (the server's network.host entitlement).</summary>
    public bool AllowsNetworkHost => Sandbox.AllowsNetworkHost;

    internal ExecutionPaths Paths { get; }

    internal CacheMountStore CacheMounts { get; }

    /// <summary>Validates the options, clears stale state and opens the engine on the store's data directory.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static async Task<ExecutionEngine> OpenAsync(ContentStore content, ExecutionOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        options ??= new ExecutionOptions();
        options.Validate();

        var paths = new ExecutionPaths(content.DataDirectory);
        var runc = new RuncCommand(options.RuncPath, paths.RuncRoot);

        // Containers first: they may still be using the mounts below, and hold their cgroups.
        await runc.DeleteAllAsync().ConfigureAwait(false);
        var cgroupPrefix = StepCgroupPrefix(paths, options);
        CgroupHierarchies.RemoveAll(StepCgroupParent, cgroupPrefix);
        ExecDirectories.Delete(paths.Exec);
        Directory.CreateDirectory(paths.Exec);
        Directory.CreateDirectory(paths.RuncRoot);
        var snapshots = new SnapshotStore(paths, content);
        snapshots.DeleteInterruptedUnpacks();
        var network = new StepNetwork(content.DataDirectory, options, timeProvider ?? TimeProvider.System);
        await network.RemoveLeftoversAsync().ConfigureAwait(false);

        return new ExecutionEngine(content, paths, snapshots, new RuncSandbox(runc, options, network, timeProvider ?? TimeProvider.System, $"{StepCgroupParent}/{cgroupPrefix}"), network, options.PromoteLayerDirectories, options.CacheMountsMaxBytesFor(paths.DataDirectory));
    }

    /// <summary>
    /// How the cgroups of this engine's steps in <see cref="StepCgroupParent"/> start, one prefix
    /// per data directory (one engine each), so that clearing what a crashed predecessor left
    /// never touches another engine's on the same host.
    /// </summary>
    /// <exception cref="ArgumentException">Limits are set, but the host lacks a cgroup v1 hierarchy they need.</exception>
    private static string StepCgroupPrefix(ExecutionPaths paths, ExecutionOptions options)
    {
        if (StepLimits.From(options).Any && CgroupHierarchies.Missing() is { Count: > 0 } missing)
        {
            throw new ArgumentException(
                $"Step limits need the cgroup v1 hierarchies {string.Join(", ", missing.Select(static c => $"{CgroupHierarchies.Root}/{c}"))}, which this host does not mount; set StepMemoryBytes, StepPids and StepCpus to 0 to run steps without limits.");
        }

        return Oci.Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(paths.DataDirectory)).Hex[..16] + "-";
    }

    /// <summary>
    /// Runs a RUN step: prepares its <c>--mount</c>s, mounts its parents' overlay, runs the process
    /// in a sandbox, and writes what it changed (never what went to a mount) as a layer into the
    /// content store. Mounts, cache instances and exec dirs are released however it ends.
    /// </summary>
    /// <returns>The new layer: blob descriptor (digest, size, media type), diffID and uncompressed size.</returns>
    /// <exception cref="ProcessFailedException">The command exited with a non-zero code.</exception>
    /// <exception cref="RunMountException">A mount's source, secret or agent is missing.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the process tree was killed.</exception>
    public async Task<LayerBlob> RunStepAsync(RunStepRequest request, OutputSink output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Mounts first: a locked cache may have to be waited for, and nothing else is held meanwhile.
        await using var mounts = await RunMounts.PrepareAsync(request.Mounts, request.MountSources, this, cancellationToken).ConfigureAwait(false);
        var process = mounts.ApplyTo(request.Process);
        return await ChangeAsync(
            request.Parents,
            async root =>
            {
                root.CreateMountPoints(RuncSandbox.MountTargets(process));
                var bundle = Path.Combine(mounts.PrivateDirectory ?? root.Directory, "bundle");
                try
                {
                    await Sandbox.RunAsync(root.Path, process, bundle, output, cancellationToken).ConfigureAwait(false);
                }
                catch (ProcessFailedException failed) when (mounts.AgentFailure is { } agentFailure)
                {
                    // The step only saw its agent refuse; the cause is known here.
                    throw failed.WithCause(agentFailure);
                }
            },
            request.Layer,
            request.LeaseId,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lets <paramref name="fill"/> fill an empty directory and stores it as a layer of its own
    /// (<c>COPY --link</c>). The directory becomes the layer's snapshot where that is exact
    /// (<see cref="SnapshotStore"/>), and is deleted otherwise, however it ends.
    /// </summary>
    public async Task<LayerBlob> WriteLayerAsync(Func<string, Task> fill, LayerWriterOptions? layer, string? leaseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fill);
        var directory = Paths.NewExecDirectory();
        Directory.CreateDirectory(directory);
        try
        {
            await fill(directory).ConfigureAwait(false);
            var options = (layer ?? new LayerWriterOptions()) with { Source = LayerSource.Directory };
            var written = await StoreLayerAsync(blob => LayerWriter.WriteAsync(directory, blob, options, cancellationToken), leaseId, cancellationToken).ConfigureAwait(false);
            if (_promoteLayerDirectories)
            {
                Snapshots.Promote(written, directory, options);
            }

            return written;
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// Mounts an overlay of <paramref name="parents"/>, lets <paramref name="change"/> change its
    /// root, and stores what changed as a layer. The upper dir becomes the layer's snapshot where
    /// that is exact (<see cref="SnapshotStore"/>). The mount is released however it ends.
    /// </summary>
    /// <param name="leaseId">A live lease of the content store that the new layer blob is added to.</param>
    public async Task<LayerBlob> ChangeAsync(IReadOnlyList<LayerBlob> parents, Func<OverlayRootFilesystem, Task> change, LayerWriterOptions? layer, string? leaseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(change);
        await using var root = await Snapshots.MountAsync(parents, cancellationToken).ConfigureAwait(false);
        await change(root).ConfigureAwait(false);
        var written = await StoreLayerAsync(blob => root.WriteLayerAsync(blob, layer, cancellationToken), leaseId, cancellationToken).ConfigureAwait(false);
        if (_promoteLayerDirectories)
        {
            root.PromoteUpperDirectory(Snapshots);
        }

        return written;
    }

    /// <summary>
    /// Like <see cref="ChangeAsync"/>, for a step whose result is close to that of an earlier run,
    /// <paramref name="previous"/>: mounts that result on top of <paramref name="parents"/>, lets
    /// <paramref name="change"/> make it this run's result, and writes the whole layer by patching
    /// the earlier layer with what changed (<see cref="LayerWriter.WritePatchedAsync"/>), and its
    /// snapshot from the earlier one, so that neither reads what the change left alone.
    /// </summary>
    /// <param name="previous">A layer made on <paramref name="parents"/> by this writer, with no whiteouts and no hard links.</param>
    public async Task<LayerBlob> PatchAsync(IReadOnlyList<LayerBlob> parents, LayerBlob previous, Func<OverlayRootFilesystem, Task> change, LayerWriterOptions? layer, string? leaseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parents);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(change);
        var options = layer ?? new LayerWriterOptions();
        await using var root = await Snapshots.MountAsync([.. parents, previous], cancellationToken).ConfigureAwait(false);
        await change(root).ConfigureAwait(false);

        // The changes are small next to the layer, and both the layer and the snapshot read them.
        await using var changes = new FileStream(Path.Combine(root.Directory, "changes.tar"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16);
        await root.WriteLayerAsync(changes, options with { Compression = LayerCompression.None }, cancellationToken).ConfigureAwait(false);
        changes.Position = 0;
        LayerBlob written;
        await using (var before = _content.OpenRead(previous.Descriptor.Digest))
        {
            written = await StoreLayerAsync(blob => LayerWriter.WritePatchedAsync(before, changes, blob, options, cancellationToken), leaseId, cancellationToken).ConfigureAwait(false);
        }

        if (_promoteLayerDirectories)
        {
            changes.Position = 0;
            await Snapshots.DeriveAsync(written, previous, changes, cancellationToken).ConfigureAwait(false);
        }

        return written;
    }

    // A layer goes into the content store under the caller's lease, committed only once written whole.
    private async Task<LayerBlob> StoreLayerAsync(Func<Stream, Task<LayerBlob>> write, string? leaseId, CancellationToken cancellationToken)
    {
        using var blob = _content.BeginWrite(leaseId: leaseId);
        var written = await write(blob).ConfigureAwait(false);
        await blob.CommitAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }
}
