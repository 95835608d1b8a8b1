using System.Diagnostics;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Mounts;

/// <summary>
/// The SSH agents of one build's <c>--ssh ID=KEYFILE</c>: for each id, an <c>ssh-agent</c> (Debian's
/// openssh-client) of the farm's own holding the keys the client sent, listening on a socket in a
/// root-only directory. The keys go to <c>ssh-add</c> through its stdin, so they are never written to
/// disk, and live only in the agent's memory until the build ends. (A client's own agent is
/// forwarded request by request instead: <see cref="ISshAgentChannel"/>.)
/// </summary>
public sealed class SshKeyAgents : ISshAgentSource, IAsyncDisposable
{
    private const int PrivateDirectoryMode = 0b111_000_000; // 0700
    private static readonly TimeSpan AgentStartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _directory;
    private readonly Dictionary<string, (Process Agent, string Socket)> _agents = new(StringComparer.Ordinal);

    private SshKeyAgents(string directory) => _directory = directory;

    /// <summary>Starts an agent per id under a new directory of <paramref name="parent"/>, each holding its keys.</summary>
    /// <exception cref="RunMountException">An agent did not start or refused a key (a passphrase-protected or malformed one).</exception>
    public static async Task<SshKeyAgents> StartAsync(IReadOnlyDictionary<string, IReadOnlyList<byte[]>> keys, string parent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Directory.CreateDirectory(parent);
        var directory = Path.Combine(parent, "ssh-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        LibC.Chmod(directory, PrivateDirectoryMode);
        var agents = new SshKeyAgents(directory);
        try
        {
            var index = 0;
            foreach (var (id, privateKeys) in keys)
            {
                var socket = Path.Combine(directory, $"agent.{index++}");
                var agent = Process.Start(new ProcessStartInfo("ssh-agent", ["-D", "-a", socket]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })
                    ?? throw new RunMountException($"--ssh {id}: cannot start ssh-agent");
                agents._agents[id] = (agent, socket);
                await WaitForSocketAsync(agent, socket, id, cancellationToken).ConfigureAwait(false);
                foreach (var key in privateKeys)
                {
                    await AddKeyAsync(socket, key, id, cancellationToken).ConfigureAwait(false);
                }
            }

            return agents;
        }
        catch
        {
            await agents.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string? FindSocket(string id) => _agents.TryGetValue(id, out var agent) ? agent.Socket : null;

    /// <summary>None: these agents are on this host.</summary>
    public ISshAgentChannel? FindChannel(string id) => null;

    public async ValueTask DisposeAsync()
    {
        foreach (var (agent, _) in _agents.Values)
        {
            if (!agent.HasExited)
            {
                agent.Kill();
            }

            await agent.WaitForExitAsync().ConfigureAwait(false);
            agent.Dispose();
        }

        _agents.Clear();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task WaitForSocketAsync(Process agent, string socket, string id, CancellationToken cancellationToken)
    {
        // ssh-agent -D prints its environment lines once the socket listens; bounded by a timeout.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AgentStartTimeout);
        var line = await agent.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (line is null || LibC.TryLStat(socket) is null)
        {
            var errors = await agent.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            throw new RunMountException($"--ssh {id}: ssh-agent did not start: {errors.Trim()}");
        }
    }

    private static async Task AddKeyAsync(string socket, byte[] key, string id, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ssh-add", ["-q", "-"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["SSH_AUTH_SOCK"] = socket;
        start.Environment["SSH_ASKPASS_REQUIRE"] = "never";
        start.Environment.Remove("DISPLAY");
        using var add = Process.Start(start) ?? throw new RunMountException($"--ssh {id}: cannot start ssh-add");
        var errors = add.StandardError.ReadToEndAsync(cancellationToken);
        var output = add.StandardOutput.ReadToEndAsync(cancellationToken);
        await add.StandardInput.BaseStream.WriteAsync(key, cancellationToken).ConfigureAwait(false);
        add.StandardInput.Close();
        await add.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await output.ConfigureAwait(false);
        if (add.ExitCode != 0)
        {
            throw new RunMountException($"--ssh {id}: the agent refused a key (a passphrase-protected or malformed key cannot be loaded): {(await errors.ConfigureAwait(false)).Trim()}");
        }
    }
}
