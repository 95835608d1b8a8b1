using BuildFarm.Execution.Mounts;

namespace BuildFarm.Grains.Builds;

/// <summary>
/// A build's secrets as its steps get them on the silo that coordinates it — the values, and the
/// sockets of the agents started there — and as they are handed, in memory only, to a worker on
/// another silo that runs one of its steps (which starts agents of its own from the keys).
/// </summary>
public sealed class BuildSessionSecrets(BuildSecrets secrets, ISshAgentSource? agents) : ISecretSource, ISshAgentSource
{
    private readonly SecretValues _values = new(secrets.Values);

    /// <summary>What a worker on another silo gets.</summary>
    public BuildSecrets Secrets => secrets;

    public ReadOnlyMemory<byte>? Find(string id) => _values.Find(id);

    public string? FindSocket(string id) => agents?.FindSocket(id);

    /// <summary>Ids only, never a value.</summary>
    public override string ToString() => secrets.ToString();
}
