using BuildFarm.Execution.Mounts;
using BuildFarm.Grains.Ssh;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// A build's secrets as its steps get them on the silo that runs them — the values, the sockets of
/// the agents started there from the client's keys, and the channels to the client's own agents —
/// and as they are handed, in memory only, to a worker on another silo that runs one of its steps
/// (which starts agents of its own from the keys, and reaches the client's through the same session).
/// </summary>
public sealed class BuildSessionSecrets(BuildSecrets secrets, ISshAgentSource? agents, ForwardedSshAgents? forwarded = null) : ISecretSource, ISshAgentSource
{
    private readonly SecretValues _values = new(secrets.Values);

    /// <summary>What a worker on another silo gets.</summary>
    public BuildSecrets Secrets => secrets;

    public ReadOnlyMemory<byte>? Find(string id) => _values.Find(id);

    public string? FindSocket(string id) => agents?.FindSocket(id);

    public ISshAgentChannel? FindChannel(string id) => forwarded?.FindChannel(id);

    /// <summary>Ids only, never a value.</summary>
    public override string ToString() => secrets.ToString();
}
