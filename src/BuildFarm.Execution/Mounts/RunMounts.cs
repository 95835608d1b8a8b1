using System.Globalization;
using System.Text;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Files;
using BuildFarm.Execution.Internal;
using BuildFarm.Execution.Mounts.Internal;
using BuildFarm.Execution.Sandbox;
using BuildFarm.Execution.Snapshots;
using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Mounts;

/// <summary>
/// The <c>RUN --mount</c>s of one step, made ready: the sandbox mounts and environment they give,
/// and everything they hold (cache instances, overlays, secret files, agent sockets) until
/// disposed, which releases all of it however the step ended.
/// </summary>
/// <remarks>
/// Semantics follow BuildKit (dockerfile2llb/convert_runmount.go, solver/llbsolver/mounts):
/// <list type="bullet">
/// <item>bind: the context's <c>source</c> path (resolved inside it, <c>.dockerignore</c> applied) or
/// a stage's or image's (<c>from=</c>); read-only unless <c>rw</c>, and then writes land in a
/// throwaway overlay upper dir, never in the source or the layer.</item>
/// <item>cache: a directory kept on the silo per id (and seed), shared, private or locked; a new
/// one starts as <c>from</c>'s <c>source</c>, or empty with <c>uid</c>/<c>gid</c>/<c>mode</c> (0755).</item>
/// <item>tmpfs: a fresh one of <c>size</c>.</item>
/// <item>secret: a file (mode 0400 unless <c>mode</c>) on a root-only tmpfs, and/or an environment
/// variable (<c>env</c>); a missing secret is skipped unless <c>required</c>.</item>
/// <item>ssh: a socket at <c>target</c> (<c>/run/buildkit/ssh_agent.N</c>) forwarding to the build's
/// agent, <c>SSH_AUTH_SOCK</c> naming the first; a missing agent is skipped unless <c>required</c>.</item>
/// </list>
/// </remarks>
public sealed class RunMounts : IAsyncDisposable
{
    private const string SshAuthSockVariable = "SSH_AUTH_SOCK";
    private const uint DefaultCacheMode = 0b111_101_101; // 0755
    private const uint DefaultSecretMode = 0b100_000_000; // 0400
    private const uint DefaultSshMode = 0b110_000_000; // 0600

    // Only paths are resolved with it; no file content is ever hashed.
    private static readonly FileDigestCache PathsOnly = new();

    private readonly ExecutionEngine _engine;
    private readonly IMountSources? _sources;
    private readonly string _directory;
    private readonly List<SandboxMount> _mounts = [];
    private readonly List<string> _environment = [];
    private readonly Dictionary<string, CacheMountLease> _caches = new(StringComparer.Ordinal);
    private readonly List<IAsyncDisposable> _held = [];
    private readonly List<SshAgentProxy> _agentProxies = [];
    private int _files;
    private int _sshMounts;
    private bool _disposed;

    private RunMounts(ExecutionEngine engine, IMountSources? sources)
    {
        _engine = engine;
        _sources = sources;
        _directory = engine.Paths.NewExecDirectory();
    }

    /// <summary>What to mount in the sandbox, ordered by target so that a mount inside another comes after it.</summary>
    public IReadOnlyList<SandboxMount> Mounts => _mounts;

    /// <summary><c>NAME=value</c> entries the mounts add: secrets with <c>env=</c>, <c>SSH_AUTH_SOCK</c>.</summary>
    public IReadOnlyList<string> Environment => _environment;

    /// <summary>
    /// A root-only directory in memory (tmpfs) living as long as the mounts, or null when no mount
    /// needed one. The runtime bundle belongs here: it spells out the environment, secrets included.
    /// </summary>
    public string? PrivateDirectory { get; private set; }

    /// <summary>
    /// Why a request to an agent forwarded from the client got no reply while the step ran (the
    /// first such), or null: a step that then fails says so, which its own output cannot.
    /// </summary>
    public string? AgentFailure => _agentProxies.Select(static proxy => proxy.Failure).FirstOrDefault(static failure => failure is not null);

    /// <summary>
    /// Prepares <paramref name="mounts"/> (as the planner gives them: absolute targets, cache ids
    /// and secret targets filled in). Waits while a <c>locked</c> cache is in use.
    /// </summary>
    /// <param name="sources">Where contexts, stages, secrets and agents come from; null when the build has none.</param>
    /// <exception cref="RunMountException">A source, secret or agent is missing; the message names it.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; whatever was prepared is released.</exception>
    public static async Task<RunMounts> PrepareAsync(IReadOnlyList<RunMount> mounts, IMountSources? sources, ExecutionEngine engine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        ArgumentNullException.ThrowIfNull(engine);
        var prepared = new RunMounts(engine, sources);
        try
        {
            foreach (var mount in mounts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await prepared.AddAsync(mount, cancellationToken).ConfigureAwait(false);
            }

            // BuildKit sorts an exec's mounts by target: /a before /a/b, whatever the order written.
            var sorted = prepared._mounts.OrderBy(static m => m.Target, StringComparer.Ordinal).ToList();
            prepared._mounts.Clear();
            prepared._mounts.AddRange(sorted);
            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <paramref name="process"/> with these mounts added and this environment set over its own,
    /// except that a <c>SSH_AUTH_SOCK</c> the step sets itself is kept, as BuildKit keeps it.
    /// </summary>
    public SandboxProcess ApplyTo(SandboxProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        var environment = process.Environment.ToList();
        foreach (var entry in _environment)
        {
            var prefix = entry[..(entry.IndexOf('=', StringComparison.Ordinal) + 1)];
            var existing = environment.FindIndex(e => e.StartsWith(prefix, StringComparison.Ordinal));
            if (existing < 0)
            {
                environment.Add(entry);
            }
            else if (prefix != SshAuthSockVariable + "=")
            {
                environment[existing] = entry;
            }
        }

        return process with { Mounts = [.. process.Mounts, .. _mounts], Environment = environment };
    }

    /// <summary>Stops agent forwarding, unmounts overlays, gives cache instances back and deletes secret files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var failures = new List<Exception>();
        for (var i = _held.Count - 1; i >= 0; i--)
        {
            try
            {
                await _held[i].DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }

        try
        {
            if (Directory.Exists(_directory))
            {
                ExecDirectories.Delete(_directory); // unmounts the private tmpfs first, so its files go with it
            }
        }
        catch (Exception e)
        {
            failures.Add(e);
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Releasing the RUN mounts failed.", failures);
        }
    }

    private Task AddAsync(RunMount mount, CancellationToken cancellationToken)
    {
        switch (mount.Type)
        {
            case MountType.Bind:
                return AddBindAsync(mount, cancellationToken);
            case MountType.Cache:
                return AddCacheAsync(mount, cancellationToken);
            case MountType.Tmpfs:
                _mounts.Add(new TmpfsMount(TargetOf(mount), mount.SizeLimit, mount.ReadOnly));
                return Task.CompletedTask;
            case MountType.Secret:
                AddSecret(mount);
                return Task.CompletedTask;
            case MountType.Ssh:
                AddSsh(mount);
                return Task.CompletedTask;
            default:
                throw new ArgumentException($"Unknown mount type {mount.Type}.", nameof(mount));
        }
    }

    private async Task AddBindAsync(RunMount mount, CancellationToken cancellationToken)
    {
        var target = TargetOf(mount);
        var source = mount.Source ?? "/";
        if (NonEmpty(mount.From) is { } from)
        {
            var layers = await ResolveLayersAsync(mount, from, cancellationToken).ConfigureAwait(false);
            var root = Hold(await _engine.Snapshots.MountAsync(layers, cancellationToken).ConfigureAwait(false));
            var resolved = SourceTree.ForRootFileSystem(root.Path, PathsOnly).Resolve(source)
                ?? throw new RunMountException($"RUN --mount=type=bind,from={from}: \"{source}\" not found in \"{from}\" (to mount on \"{target}\")");
            _mounts.Add(new BindMount(Path.Join(root.Path, resolved), target, mount.ReadOnly));
            return;
        }

        var context = (_sources ?? throw NoSources(mount, "the build context")).Context;
        var inContext = context.Resolve(source)
            ?? throw new RunMountException($"RUN --mount=type=bind: \"{source}\" not found in the build context (to mount on \"{target}\")");
        if (context is not DirectorySourceTree directoryContext)
        {
            // A context that lives in the content store: what the mount shows (and no more) is
            // written out for this step alone, ignored entries left out; writes go with it.
            var copy = NewPath("context");
            Directory.CreateDirectory(copy);
            _mounts.Add(new BindMount(FileCopier.CopyOut(context, inContext, copy, cancellationToken), target, mount.ReadOnly));
            return;
        }

        var hostPath = directoryContext.HostPath(inContext);
        var mask = NewPath("mask");
        var masked = Directory.Exists(hostPath) && ContextMask.Write(context, inContext, mask);
        if (!masked && mount.ReadOnly)
        {
            _mounts.Add(new BindMount(hostPath, target));
            return;
        }

        // Ignored entries hidden by a mask above the context, writes kept in a throwaway upper dir.
        var overlay = Hold(OverlayRootFilesystem.Mount(_engine.Paths, masked ? [mask, directoryContext.Root] : [directoryContext.Root]));
        _mounts.Add(new BindMount(Path.Join(overlay.Path, inContext), target, mount.ReadOnly));
    }

    private async Task AddCacheAsync(RunMount mount, CancellationToken cancellationToken)
    {
        var target = TargetOf(mount);
        var id = NonEmpty(mount.Id) ?? target;
        var source = NonEmpty(mount.Source?.Trim('/'));
        IReadOnlyList<LayerBlob>? layers = null;
        var seed = new StringBuilder();
        if (NonEmpty(mount.From) is { } from)
        {
            layers = await ResolveLayersAsync(mount, from, cancellationToken).ConfigureAwait(false);
            seed.Append(CultureInfo.InvariantCulture, $"from {string.Join(',', layers.Select(static l => l.DiffId))} /{source}");
        }
        else if (source is not null)
        {
            throw new RunMountException($"RUN --mount=type=cache,source={mount.Source}: a source needs from=, as a cache without it starts empty (mount on \"{target}\")");
        }

        // As in BuildKit, owner and mode apply to the cache root, and only when it is not a source's subdirectory.
        var owner = source is null && (mount.Uid ?? mount.Gid ?? mount.Mode) is not null
            ? (Uid: mount.Uid ?? 0, Gid: mount.Gid ?? 0, Mode: mount.Mode ?? DefaultCacheMode)
            : ((uint Uid, uint Gid, uint Mode)?)null;
        if (owner is { } o)
        {
            seed.Append(CultureInfo.InvariantCulture, $" owner {o.Uid}:{o.Gid} mode {Convert.ToString(o.Mode, 8)}");
        }

        var key = CacheMountKey.DirectoryName(id, seed.Length == 0 ? null : seed.ToString());
        if (!_caches.TryGetValue(key, out var lease))
        {
            // One step mounting a cache twice uses one instance, as BuildKit's per-exec cache map does.
            lease = await _engine.CacheMounts.AcquireAsync(
                key,
                mount.Sharing ?? CacheSharing.Shared,
                (directory, token) => SeedCacheAsync(directory, layers, source, owner, token),
                cancellationToken).ConfigureAwait(false);
            _caches.Add(key, lease);
            _held.Add(new Releaser(lease.Dispose));
        }

        _mounts.Add(new BindMount(lease.Path, target, mount.ReadOnly));
    }

    private async Task SeedCacheAsync(string directory, IReadOnlyList<LayerBlob>? layers, string? source, (uint Uid, uint Gid, uint Mode)? owner, CancellationToken cancellationToken)
    {
        if (layers is not null)
        {
            await using var root = await _engine.Snapshots.MountAsync(layers, cancellationToken).ConfigureAwait(false);
            var tree = SourceTree.ForRootFileSystem(root.Path, PathsOnly);
            var resolved = tree.Resolve(source ?? "/");
            if (resolved is null || !tree.Status(resolved).IsDirectory)
            {
                throw new RunMountException($"RUN --mount=type=cache: \"/{source}\" is not a directory in the from= source, so it cannot start a cache");
            }

            // What COPY --from=<from> /<source>/ / would copy (links, hard links, owners, modes, times,
            // xattrs kept); the root, which COPY leaves alone, then takes the source directory's metadata.
            Directory.CreateDirectory(directory);
            await FileCopier.CopyAsync(new CopyRequest { Source = tree, Sources = [resolved + "/"], Destination = "/" }, directory, http: null, cancellationToken).ConfigureAwait(false);
            var original = tree.Status(resolved);
            LibC.LChown(directory, original.Uid, original.Gid);
            LibC.Chmod(directory, original.Permissions);
            LibC.SetModificationTime(directory, original.ModificationTime);
        }
        else
        {
            Directory.CreateDirectory(directory);
            LibC.Chmod(directory, (int)DefaultCacheMode);
        }

        if (owner is { } o)
        {
            LibC.LChown(directory, o.Uid, o.Gid);
            LibC.Chmod(directory, (int)(o.Mode & 0xFFF));
        }
    }

    private void AddSecret(RunMount mount)
    {
        var id = mount.Id ?? throw new ArgumentException("A secret mount from the planner has an id.", nameof(mount));
        if (_sources?.Secrets.Find(id) is not { } value)
        {
            // BuildKit skips a missing optional secret: no file, no variable.
            if (mount.Required)
            {
                // BuildKit's words (secrets.ErrNotFound wrapped with the id).
                throw new RunMountException($"secret {id}: not found");
            }

            return;
        }

        // Even for a variable alone: the runtime spec that carries it is written there.
        var directory = EnsurePrivateDirectory();
        if (NonEmpty(mount.Env) is { } variable)
        {
            _environment.Add($"{variable}={Encoding.UTF8.GetString(value.Span)}");
        }

        if (NonEmpty(mount.Target) is not null)
        {
            var file = Path.Combine(directory, $"secret-{_files++}");
            // In the root-only directory, nobody else sees the file before its owner and mode are set.
            using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(value.Span);
            }

            LibC.LChown(file, mount.Uid ?? 0, mount.Gid ?? 0);
            LibC.Chmod(file, (int)((mount.Mode ?? DefaultSecretMode) & 0x1FF));
            _mounts.Add(new BindMount(file, TargetOf(mount)));
        }
    }

    private void AddSsh(RunMount mount)
    {
        var id = NonEmpty(mount.Id) ?? "default";
        var target = NonEmpty(mount.Target) ?? $"/run/buildkit/ssh_agent.{_sshMounts}";
        if (_sshMounts++ == 0)
        {
            // BuildKit points the variable at the first ssh mount, whether or not its agent is there.
            _environment.Add($"{SshAuthSockVariable}={target}");
        }

        if (_sources?.Ssh?.FindChannel(id) is { } channel)
        {
            _agentProxies.Add(Hold(SshAgentProxy.Start(NewAgentSocket(), channel, mount.Uid ?? 0, mount.Gid ?? 0, SshMode(mount))));
            _mounts.Add(new BindMount(_agentProxies[^1].Path, target));
            return;
        }

        var agent = _sources?.Ssh?.FindSocket(id);
        if (agent is null)
        {
            if (mount.Required)
            {
                throw new RunMountException($"RUN --mount=type=ssh,id={id},required: the build forwards no SSH agent \"{id}\"");
            }

            return;
        }

        if (LibC.TryLStat(agent)?.Type != FileStatus.TypeSocket)
        {
            throw new RunMountException($"RUN --mount=type=ssh,id={id}: the agent socket '{agent}' does not exist");
        }

        var proxy = Hold(SshAgentProxy.Start(NewAgentSocket(), agent, mount.Uid ?? 0, mount.Gid ?? 0, SshMode(mount)));
        _mounts.Add(new BindMount(proxy.Path, target));
    }

    // The step's own agent socket lives in the private tmpfs, never in the layer.
    private string NewAgentSocket() => Path.Combine(EnsurePrivateDirectory(), $"ssh-{_files++}");

    private static uint SshMode(RunMount mount) => (mount.Mode ?? DefaultSshMode) & 0x1FF;

    private Task<IReadOnlyList<LayerBlob>> ResolveLayersAsync(RunMount mount, string from, CancellationToken cancellationToken) =>
        (_sources ?? throw NoSources(mount, $"the layers of \"{from}\"")).ResolveLayersAsync(from, cancellationToken);

    /// <summary>The private tmpfs, mounted on first use; deleting the mounts' directory unmounts it.</summary>
    private string EnsurePrivateDirectory()
    {
        if (PrivateDirectory is null)
        {
            var path = NewPath("private");
            Directory.CreateDirectory(path);
            LinuxCalls.Mount("tmpfs", path, "tmpfs", "mode=0700");
            PrivateDirectory = path;
        }

        return PrivateDirectory;
    }

    private string NewPath(string kind) => Path.Combine(_directory, $"{kind}-{_files++}");

    private T Hold<T>(T resource)
        where T : IAsyncDisposable
    {
        _held.Add(resource);
        return resource;
    }

    private static string TargetOf(RunMount mount) =>
        mount.Target is { } target && target.StartsWith('/')
            ? target
            : throw new ArgumentException($"RUN --mount=type={RunMountParser.Name(mount.Type)} has no absolute target ('{mount.Target}'); the planner makes every target absolute.", nameof(mount));

    private static RunMountException NoSources(RunMount mount, string what) =>
        new($"RUN --mount=type={RunMountParser.Name(mount.Type)} needs {what}, but the step was given no mount sources");

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Something released by a plain action, held with the rest.</summary>
    private sealed class Releaser(Action release) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            release();
            return ValueTask.CompletedTask;
        }
    }
}
