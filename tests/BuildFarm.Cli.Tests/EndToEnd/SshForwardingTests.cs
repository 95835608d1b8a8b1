using System.Net.Sockets;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>
/// <c>farm build --ssh default</c> forwarding the client's own agent, as buildx does: a real
/// <c>ssh-agent</c> holding a fresh key on the client's side, a <c>farm server</c> process, and
/// Debian's <c>ssh-add</c> (copied with its libraries into the context) asking the agent from a
/// RUN step. The private key never reaches the farm: only the agent's requests and replies do.
/// </summary>
public sealed class SshForwardingTests(ServerProcessFarm farm) : IClassFixture<ServerProcessFarm>, IAsyncLifetime
{
    private readonly TempDirectory _directory = new("buildfarm-ssh-forward");
    private SshAgentProcess _agent = null!;

    private string AgentSocket => _agent.Socket;

    private string Key => _agent.KeyFile;

    private string Fingerprint => _agent.Fingerprint;

    public async Task InitializeAsync() => _agent = await SshAgentProcess.StartAsync("forwarded-key");

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
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
        Assert.StartsWith("256 SHA256:", Fingerprint, StringComparison.Ordinal);
        Assert.Equal(Fingerprint + "\n", File.ReadAllText(Path.Combine(output, "listed")));
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
        Assert.Equal(Fingerprint + "\n", File.ReadAllText(Path.Combine(output, "listed")));
    }

    [Fact]
    public async Task Forwarding_without_an_agent_is_refused_naming_what_is_missing()
    {
        var context = farm.WriteContext("no-agent", "FROM busybox\nRUN --mount=type=ssh true\n");

        var unset = await farm.RunAsync(WithAgent(null), "build", "--progress", "plain", "--ssh", "default", context);
        var notSocket = await farm.RunAsync(WithAgent(Key + ".pub"), "build", "--progress", "plain", "--ssh", "default", context);
        var mixed = await farm.RunAsync(WithAgent(null), "build", "--progress", "plain", "--ssh", $"deploy={Key},{AgentSocket}", context);

        Assert.Equal((1, "Error: --ssh default: SSH_AUTH_SOCK is not set, so there is no agent to forward; start one (eval \"$(ssh-agent)\", then ssh-add) or give key files: default=~/.ssh/id_ed25519\n"), (unset.ExitCode, unset.Error));
        Assert.Equal((1, $"Error: --ssh default: SSH_AUTH_SOCK is \"{Key}.pub\", which is not an agent's socket\n"), (notSocket.ExitCode, notSocket.Error));
        Assert.Equal((1, $"Error: --ssh \"deploy={Key},{AgentSocket}\": the agent socket {AgentSocket} goes alone (deploy=SOCKET), not among key files\n"), (mixed.ExitCode, mixed.Error));
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
        (await SshAddFiles.FindAsync()).CopyInto(Path.Combine(context, "tools"));

        return context;
    }
}
