using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Execution.Sandbox;

/// <summary>A process to run in a sandbox, described the way an image config and a RUN step describe it.</summary>
public sealed record SandboxProcess
{
    /// <summary>The argv; a relative program name is looked up in the container's PATH (from <see cref="Environment"/>).</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary><c>NAME=value</c> entries.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];

    /// <summary>An absolute path in the container; created (by runc, owned by root) if missing.</summary>
    public string WorkingDirectory { get; init; } = "/";

    /// <summary>The USER value: <c>name</c>, <c>uid</c>, <c>name:group</c>, <c>uid:gid</c>, or empty for root.</summary>
    public string User { get; init; } = string.Empty;

    /// <summary>
    /// <see cref="NetworkMode.Default"/>: a namespace of its own on the engine's step bridge
    /// (outbound through NAT, nothing of the host); <see cref="NetworkMode.None"/>: loopback only;
    /// <see cref="NetworkMode.Host"/>: the host's, refused unless the engine allows it
    /// (<see cref="ExecutionOptions.AllowNetworkHost"/>).
    /// </summary>
    public NetworkMode Network { get; init; } = NetworkMode.Default;

    /// <summary>Lines added to the generated <c>/etc/hosts</c> (<c>--add-host</c>).</summary>
    public IReadOnlyList<ExtraHost> ExtraHosts { get; init; } = [];

    public IReadOnlyList<SandboxMount> Mounts { get; init; } = [];

    /// <summary>A shell-form command: <c>[..shell, text]</c>, with the default shell <c>/bin/sh -c</c> unless a SHELL was set.</summary>
    public static IReadOnlyList<string> ShellForm(string text, IReadOnlyList<string>? shell = null) =>
        [.. shell is { Count: > 0 } ? shell : BaseImageConfig.DefaultShell, text];
}
