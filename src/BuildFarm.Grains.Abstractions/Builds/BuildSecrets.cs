namespace BuildFarm.Grains.Builds;

/// <summary>
/// A build's <c>--secret</c> values and <c>--ssh</c> keys. Handed to the build grain beside its
/// <see cref="BuildSpec"/> and held in the activation's memory for the build only: this type is
/// not a MessagePack object, so it cannot be written with the grain's persisted state.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BuildSecrets
{
    public static readonly BuildSecrets None = new();

    /// <summary>Secret values by id.</summary>
    [Id(0)] public IReadOnlyDictionary<string, byte[]> Values { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>The private keys of each forwarded SSH agent, by id.</summary>
    [Id(1)] public IReadOnlyDictionary<string, IReadOnlyList<byte[]>> SshKeys { get; init; } = new Dictionary<string, IReadOnlyList<byte[]>>();

    /// <summary>Ids only: a log line or a debugger that prints this shows no value.</summary>
    public override string ToString() =>
        $"secrets [{string.Join(", ", Values.Keys)}], ssh [{string.Join(", ", SshKeys.Keys)}]";
}
