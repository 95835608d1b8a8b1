using BuildFarm.Client.Builds;

namespace BuildFarm.Cli.Building;

/// <summary>
/// One <c>--ssh</c>, buildx's syntax (<c>default</c> is the id a mount without <c>id=</c> asks for):
/// <c>ID</c> alone forwards the agent at <c>$SSH_AUTH_SOCK</c>, <c>ID=SOCKET</c> the agent at that
/// socket, and <c>ID=KEYFILE[,KEYFILE]</c> sends the key files, which the farm loads into an agent of
/// its own. A forwarded agent keeps its keys: the farm passes it each request a step makes.
/// </summary>
internal sealed record SshSpec(string Id, IReadOnlyList<string> KeyFiles, string? AgentSocket)
{
    private const string AgentVariable = "SSH_AUTH_SOCK";

    public static SshSpec Parse(string value, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(getVariable);
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        var id = (equals < 0 ? value : value[..equals]).Trim();
        var paths = equals < 0 ? [] : value[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (id.Length == 0)
        {
            throw new FarmException($"--ssh \"{value}\": the id is empty");
        }

        if (paths.Length == 0)
        {
            var socket = getVariable(AgentVariable);
            if (string.IsNullOrEmpty(socket))
            {
                throw new FarmException($"--ssh {id}: {AgentVariable} is not set, so there is no agent to forward; start one (eval \"$(ssh-agent)\", then ssh-add) or give key files: {id}=~/.ssh/id_ed25519");
            }

            return SshAgentForwarding.IsSocket(socket)
                ? new SshSpec(id, [], socket)
                : throw new FarmException($"--ssh {id}: {AgentVariable} is \"{socket}\", which is not an agent's socket");
        }

        if (paths.Length == 1 && SshAgentForwarding.IsSocket(paths[0]))
        {
            return new SshSpec(id, [], paths[0]);
        }

        return paths.FirstOrDefault(SshAgentForwarding.IsSocket) is { } among
            ? throw new FarmException($"--ssh \"{value}\": the agent socket {among} goes alone ({id}=SOCKET), not among key files")
            : new SshSpec(id, paths, null);
    }

    /// <summary>The key files' bytes.</summary>
    public IReadOnlyList<byte[]> ReadKeys()
    {
        var keys = new List<byte[]>();
        foreach (var path in KeyFiles)
        {
            try
            {
                keys.Add(File.ReadAllBytes(path));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                throw new FarmException($"--ssh {Id}={path}: cannot read the key file ({error.Message})");
            }
        }

        return keys;
    }
}
