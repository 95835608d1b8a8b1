using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Networking;
using BuildFarm.Execution.Sandbox.Internal;
using BuildFarm.Execution.Snapshots;

namespace BuildFarm.Execution.Sandbox;

/// <summary>
/// Runs processes in runc containers: a bundle written per run, the container's own mount, pid,
/// IPC, UTS and network namespaces, Docker's default capabilities, no new privileges.
/// </summary>
public sealed class RuncSandbox
{
    // After runc delete --force, how long runc run gets to notice before it is killed itself.
    private static readonly TimeSpan ExitAfterKill = TimeSpan.FromSeconds(5);

    // Once runc run exited, the container's processes are gone (pid namespace), so the pipes
    // reach their end at once; this only bounds a pathological case.
    private static readonly TimeSpan OutputDrain = TimeSpan.FromSeconds(10);

    // A byte order mark would make the first line of hosts or resolv.conf unreadable to resolvers.
    private static readonly UTF8Encoding WithoutBom = new(encoderShouldEmitUTF8Identifier: false);

    private readonly RuncCommand _runc;
    private readonly ExecutionOptions _options;
    private readonly StepNetwork _network;
    private readonly TimeProvider _time;
    private readonly StepLimits _limits;
    private readonly string _cgroupPrefix;

    /// <param name="cgroupPrefix">How the cgroups of this sandbox's steps start, absolute within each hierarchy; the container id follows.</param>
    internal RuncSandbox(RuncCommand runc, ExecutionOptions options, StepNetwork network, TimeProvider time, string cgroupPrefix)
    {
        _runc = runc;
        _options = options;
        _network = network;
        _time = time;
        _limits = StepLimits.From(options);
        _cgroupPrefix = cgroupPrefix;
    }

    /// <summary>Whether <see cref="NetworkMode.Host"/> is allowed (<see cref="ExecutionOptions.AllowNetworkHost"/>).</summary>
    public bool AllowsNetworkHost => _options.AllowNetworkHost;

    /// <summary>
    /// The paths of the root a run of <paramref name="process"/> mounts something on; see
    /// <see cref="OverlayRootFilesystem.CreateMountPoints"/>.
    /// </summary>
    public static IReadOnlyList<MountTarget> MountTargets(SandboxProcess process) => RuntimeSpecBuilder.MountTargets(process);

    /// <summary>
    /// Runs <paramref name="process"/> with <paramref name="rootFilesystem"/> as its root,
    /// writing the runtime bundle into <paramref name="bundleDirectory"/> (created, left for the
    /// caller to delete). Output lines go to <paramref name="output"/> as they are printed.
    /// </summary>
    /// <exception cref="ProcessFailedException">The process exited with a non-zero code, or went over a limit of the step's.</exception>
    /// <exception cref="OperationCanceledException">Cancelled: every process of the container was killed.</exception>
    /// <exception cref="InvalidOperationException">The user cannot be resolved in the root.</exception>
    /// <exception cref="NotSupportedException">The host network was asked for and the engine does not allow it.</exception>
    public async Task RunAsync(string rootFilesystem, SandboxProcess process, string bundleDirectory, OutputSink output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(output);
        Validate(process);
        cancellationToken.ThrowIfCancellationRequested();

        var user = ContainerUser.ResolveProcess(process.User, rootFilesystem);

        // Deleted only after the container (below): no process of the step is left in it then.
        await using var networkNamespace = process.Network == NetworkMode.Default ? await _network.JoinAsync(cancellationToken).ConfigureAwait(false) : null;
        var containerId = "buildfarm-" + Guid.NewGuid().ToString("N");
        using var cgroup = _limits.Any ? StepCgroup.Create(_cgroupPrefix + containerId, _limits) : null;
        WriteBundle(rootFilesystem, process, user, bundleDirectory, networkNamespace, cgroup?.RuntimePath);

        var collector = new OutputCollector(output, _time, _options.FailureOutputLines);
        using var runc = _runc.StartRun(bundleDirectory, containerId);
        try
        {
            runc.StandardInput.Close(); // a RUN step reads an empty stdin, as under Docker
            using var readingCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var reading = Task.WhenAll(
                collector.ReadAsync(runc.StandardOutput.BaseStream, OutputStreamKind.Stdout, readingCancellation.Token),
                collector.ReadAsync(runc.StandardError.BaseStream, OutputStreamKind.Stderr, readingCancellation.Token));
            var exit = runc.WaitForExitAsync(cancellationToken);
            if (await Task.WhenAny(exit, collector.Failed).ConfigureAwait(false) == collector.Failed)
            {
                // The sink failed: nobody drains the pipes any more, so the process would block on
                // them for ever. It goes, and the sink's exception is the run's.
                await KillAsync(runc, containerId).ConfigureAwait(false);
                await reading.ConfigureAwait(false);
            }

            try
            {
                await exit.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await KillAsync(runc, containerId).ConfigureAwait(false);
                await reading.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                throw;
            }

            try
            {
                await reading.WaitAsync(OutputDrain, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await readingCancellation.CancelAsync().ConfigureAwait(false);
                await reading.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }

            // A step over a limit fails even when its script carried on past the killed process or refused fork.
            if (cgroup?.LimitExceeded(runc.ExitCode) is { } exceeded)
            {
                throw new ProcessFailedException(process.Arguments, runc.ExitCode, collector.Tail, exceeded);
            }

            if (runc.ExitCode != 0)
            {
                throw new ProcessFailedException(process.Arguments, runc.ExitCode, collector.Tail);
            }
        }
        finally
        {
            // runc run deletes the container when it ends normally; anything else is cleared here.
            await _runc.DeleteForceAsync(containerId).ConfigureAwait(false);
        }
    }

    private void Validate(SandboxProcess process)
    {
        if (process.Arguments.Count == 0)
        {
            throw new ArgumentException("A sandboxed process needs at least a program to run.", nameof(process));
        }

        if (process.Network == NetworkMode.Host && !_options.AllowNetworkHost)
        {
            throw new NotSupportedException("RUN --network=host is not allowed: the server was not started with --allow-insecure-entitlement network.host.");
        }

        foreach (var path in process.Mounts.Select(static mount => mount.Target).Prepend(process.WorkingDirectory))
        {
            if (!path.StartsWith('/'))
            {
                throw new ArgumentException($"'{path}' is not an absolute path in the container.", nameof(process));
            }
        }

        foreach (var bind in process.Mounts.OfType<BindMount>())
        {
            if (!Path.IsPathFullyQualified(bind.Source) || !(Directory.Exists(bind.Source) || File.Exists(bind.Source)))
            {
                throw new ArgumentException($"The bind mount source '{bind.Source}' is not an existing absolute path on the host.", nameof(process));
            }
        }
    }

    private void WriteBundle(string rootFilesystem, SandboxProcess process, ContainerUser user, string bundleDirectory, StepNamespace? networkNamespace, string? cgroupsPath)
    {
        Directory.CreateDirectory(bundleDirectory);
        var hosts = Path.Combine(bundleDirectory, "hosts");
        var resolvConf = Path.Combine(bundleDirectory, "resolv.conf");
        File.WriteAllText(hosts, NameResolutionFiles.Hosts(_options.Hostname, process.ExtraHosts), WithoutBom);
        File.WriteAllText(resolvConf, networkNamespace?.ResolvConf ?? HostlessResolvConf(process.Network), WithoutBom);

        var spec = RuntimeSpecBuilder.Build(rootFilesystem, process, user, _options.Hostname, hosts, resolvConf, networkNamespace?.Path, cgroupsPath);
        File.WriteAllBytes(Path.Combine(bundleDirectory, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, RuntimeSpecJson.Default.RuntimeSpec));
    }

    // The host network reaches the host's resolvers as they are (BuildKit's rule); loopback only,
    // none is reachable, and the file is the host's without its loopback servers, as Docker's.
    private string HostlessResolvConf(NetworkMode network)
    {
        var host = File.Exists(_options.ResolvConfPath) ? File.ReadAllText(_options.ResolvConfPath) : string.Empty;
        return network == NetworkMode.Host && host.Contains("nameserver", StringComparison.Ordinal) ? host : NameResolutionFiles.ResolvConf(host);
    }

    /// <summary>Kills the container (all of it: the pid namespace dies with its init), or runc itself before it made one.</summary>
    private async Task KillAsync(Process runc, string containerId)
    {
        if (_runc.Exists(containerId))
        {
            await _runc.DeleteForceAsync(containerId).ConfigureAwait(false);
        }
        else
        {
            runc.Kill(entireProcessTree: true);
        }

        try
        {
            await runc.WaitForExitAsync().WaitAsync(ExitAfterKill).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            runc.Kill(entireProcessTree: true);
            await runc.WaitForExitAsync().ConfigureAwait(false);
        }
    }
}
