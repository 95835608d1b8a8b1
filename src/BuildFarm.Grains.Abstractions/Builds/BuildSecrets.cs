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

    /// <summary>The private keys of each SSH agent the farm starts for the build, by id.</summary>
    [Id(1)] public IReadOnlyDictionary<string, IReadOnlyList<byte[]>> SshKeys { get; init; } = new Dictionary<string, IReadOnlyList<byte[]>>();

    /// <summary>The ids of the client's own agents the build forwards through <see cref="SshSession"/>.</summary>
    [Id(2)] public IReadOnlyList<string> ForwardedSsh { get; init; } = [];

    /// <summary>The client's forwarding session (an <c>ISshForwardingGrain</c> key); null without forwarded agents.</summary>
    [Id(3)] public string? SshSession { get; init; }

    /// <summary>Ids only: a log line or a debugger that prints this shows no value (nor the session).</summary>
    public override string ToString() =>
        $"secrets [{string.Join(", ", Values.Keys)}], ssh [{string.Join(", ", SshKeys.Keys)}], forwarded ssh [{string.Join(", ", ForwardedSsh)}]";
}
