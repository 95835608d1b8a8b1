namespace BuildFarm.Execution.Mounts;

/// <summary>A build's <c>--secret</c> values, held in memory, by id.</summary>
public sealed class SecretValues(IReadOnlyDictionary<string, byte[]> values) : ISecretSource
{
    public ReadOnlyMemory<byte>? Find(string id) =>
        values.TryGetValue(id, out var value) ? value : (ReadOnlyMemory<byte>?)null;

    /// <summary>Ids only, never a value.</summary>
    public override string ToString() => $"secrets [{string.Join(", ", values.Keys)}]";
}
