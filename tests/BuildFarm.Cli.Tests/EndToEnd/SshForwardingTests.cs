using System.Net.Sockets;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>
/// <c>farm build --ssh default</c> forwarding the client's own agent, as buildx does: a real
/// <c>ssh-agent</c> holding a fresh key on the client's side, a <c>farm server</c> process, and
/// Debian's <c>ssh-add</c> (copied with its libraries into the context) asking the agent from a
/// RUN step. The private key never reaches the farm: only the agent's requests and replies do.
/// </summary>
public sealed partial class SshForwardingTests(ServerProcessFarm farm) : IClassFixture<ServerProcessFarm>, IAsyncLifetime
{
    private readonly TempDirectory _directory = new("buildfarm-ssh-forward");
    private string _agentPid = string.Empty;
    private string _fingerprint = string.Empty;

    private string AgentSocket => _directory.Combine("agent.sock");

    private string Key => _directory.Combine("id_ed25519");

    public async Task InitializeAsync()
    {
        var started = await ProcessRunner.RunCheckedAsync("ssh-agent", ["-s", "-a", AgentSocket]);
        _agentPid = AgentPid().Match(started).Groups[1].Value;
        await ProcessRunner.RunCheckedAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "forwarded-key", "-f", Key]);
        await ProcessRunner.RunCheckedAsync("env", [$"SSH_AUTH_SOCK={AgentSocket}", "ssh-add", "-q", Key]);
        _fingerprint = (await ProcessRunner.RunCheckedAsync("env", [$"SSH_AUTH_SOCK={AgentSocket}", "ssh-add", "-l"])).TrimEnd('\n');
    }

    public async Task DisposeAsync()
    {
        if (_agentPid.Length > 0)
        {
            await ProcessRunner.RunCheckedAsync("env", [$"SSH_AGENT_PID={_agentPid}", "ssh-agent", "-k"]);
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task The_clients_agent_lists_and_signs_in_a_step_and_its_key_never_reaches_the_farm()
    {
        var context = await SshAddContextAsync("forward", "RUN --mount=type=ssh ssh-add -l > /listed && ssh-add -T /key.pub && echo signed > /signed\n");
        var output = farm.Combine("forward-out");

        var result = await farm.RunAsync(WithAgent(AgentSocket), "build", "--progress", "plain", "--ssh", "default", "-o", $"type=local,dest={output}", context);

        Assert.True(result.ExitCode == 0, $"{result.Error}\nserver:\n{farm.Server.Log}");
        Assert.StartsWith("256 SHA256:", _fingerprint, StringComparison.Ordinal);
        Assert.Equal(_fingerprint + "\n", File.ReadAllText(Path.Combine(output, "listed")));
        Assert.Equal("signed\n", File.ReadAllText(Path.Combine(output, "signed")));
        var keyLine = File.ReadAllLines(Key)[1];
        Assert.DoesNotContain(keyLine, farm.Server.Log, StringComparison.Ordinal);
        Assert.Empty(Building.BuildSecretsTests.FilesContaining(farm.DataDirectory, [keyLine]));
    }

    [Fact]
    public async Task An_agent_socket_given_by_path_is_forwarded_under_its_id()
    {
        var context = await SshAddContextAsync("by-path", "RUN --mount=type=ssh,id=deploy,required ssh-add -l > /listed\n");
        var output = farm.Combine("by-path-out");

        var result = await farm.RunAsync(WithAgent(null), "build", "--progress", "plain", "--ssh", $"deploy={AgentSocket}", "-o", $"type=local,dest={output}", context);

        Assert.True(result.ExitCode == 0, $"{result.Error}\nserver:\n{farm.Server.Log}");
        Assert.Equal(_fingerprint + "\n", File.ReadAllText(Path.Combine(output, "listed")));
    }

    [Fact]
    public async Task Forwarding_default_without_SSH_AUTH_SOCK_is_refused_naming_it()
    {
        var context = farm.WriteContext("no-agent", "FROM busybox\nRUN --mount=type=ssh true\n");

        var result = await farm.RunAsync(WithAgent(null), "build", "--progress", "plain", "--ssh", "default", context);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Error: --ssh default: SSH_AUTH_SOCK is not set, so there is no agent to forward; start one (eval \"$(ssh-agent)\", then ssh-add) or give key files: default=~/.ssh/id_ed25519\n", result.Error);
    }

    [Fact]
    public async Task A_request_the_client_does_not_answer_fails_the_step_saying_so()
    {
        // A socket that takes the client's connection and never replies: the farm gives up on the request.
        var silent = _directory.Combine("silent.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(silent));
        listener.Listen();
        var context = await SshAddContextAsync("silent", "RUN --mount=type=ssh ssh-add -l\n");

        var result = await farm.RunAsync(WithAgent(silent), "build", "--progress", "plain", "--ssh", "default", context);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            "process \"/bin/sh -c ssh-add -l\" did not complete successfully: the SSH agent \"default\" forwarded from the client did not answer within 20 s: exit code: 1\n",
            result.Error,
            StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> WithAgent(string? socket) => new(StringComparer.Ordinal) { ["SSH_AUTH_SOCK"] = socket };

    /// <summary>A context whose image has the host's ssh-add (and the libraries it loads) and the key's public half at /key.pub.</summary>
    private async Task<string> SshAddContextAsync(string name, string run)
    {
        var context = farm.WriteContext(name, "FROM busybox\nCOPY tools/ /\nCOPY key.pub /key.pub\n" + run);
        File.Copy(Key + ".pub", Path.Combine(context, "key.pub"));
        var libraries = LibraryPath().Matches(await ProcessRunner.RunCheckedAsync("ldd", ["/usr/bin/ssh-add"])).Select(static m => m.Groups[1].Value);
        foreach (var file in libraries.Append("/usr/bin/ssh-add"))
        {
            var destination = Path.Join(context, "tools", file);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return context;
    }

    [GeneratedRegex(@"SSH_AGENT_PID=(\d+);")]
    private static partial Regex AgentPid();

    [GeneratedRegex(@"(/\S+) \(0x")]
    private static partial Regex LibraryPath();
}
