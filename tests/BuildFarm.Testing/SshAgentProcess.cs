using System.Text.RegularExpressions;

namespace BuildFarm.Testing;

/// <summary>
/// A real <c>ssh-agent</c> (Debian's openssh-client) on a socket in a directory of its own, holding
/// one fresh ed25519 key with the given comment; killed and its directory deleted on dispose.
/// </summary>
public sealed partial class SshAgentProcess : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly string _pid;

    private SshAgentProcess(TempDirectory directory, string pid, string fingerprint)
    {
        _directory = directory;
        _pid = pid;
        Fingerprint = fingerprint;
    }

    /// <summary>The agent's socket (what <c>SSH_AUTH_SOCK</c> names).</summary>
    public string Socket => _directory.Combine("agent.sock");

    /// <summary>The private key file the agent was given; its public half is beside it (<c>.pub</c>).</summary>
    public string KeyFile => _directory.Combine("key");

    /// <summary>The key as <c>ssh-add -l</c> lists it: <c>256 SHA256:... COMMENT (ED25519)</c>.</summary>
    public string Fingerprint { get; }

    public static async Task<SshAgentProcess> StartAsync(string comment)
    {
        var directory = new TempDirectory("buildfarm-ssh-agent");
        var socket = directory.Combine("agent.sock");
        var started = await ProcessRunner.RunCheckedAsync("ssh-agent", ["-s", "-a", socket]);
        var pid = AgentPid().Match(started).Groups[1].Value;
        try
        {
            await ProcessRunner.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", directory.Combine("key")]);
            await ProcessRunner.RunCheckedAsync("env", [$"SSH_AUTH_SOCK={socket}", "ssh-add", "-q", directory.Combine("key")]);
            var fingerprint = (await ProcessRunner.RunCheckedAsync("env", [$"SSH_AUTH_SOCK={socket}", "ssh-add", "-l"])).TrimEnd('\n');
            return new SshAgentProcess(directory, pid, fingerprint);
        }
        catch
        {
            await new SshAgentProcess(directory, pid, string.Empty).DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_pid.Length > 0)
        {
            await ProcessRunner.RunCheckedAsync("env", [$"SSH_AGENT_PID={_pid}", "ssh-agent", "-k"]);
        }

        _directory.Dispose();
    }

    [GeneratedRegex(@"SSH_AGENT_PID=(\d+);")]
    private static partial Regex AgentPid();
}
