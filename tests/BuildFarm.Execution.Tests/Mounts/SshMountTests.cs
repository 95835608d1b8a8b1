using BuildFarm.Execution.Mounts;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci.Layers;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Mounts;

/// <summary>
/// A real <c>ssh-agent</c> (Debian's openssh-client) holding a fresh key, and Debian's own
/// <c>ssh-add</c> copied with its libraries into a layer above busybox to ask it from inside.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SshMountTests(EngineFixture fixture) : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("buildfarm-ssh");
    private SshAgentProcess _agent = null!;
    private string _fingerprint = string.Empty;
    private LayerBlob _sshAdd = null!;
    private TestMountSources _sources = null!;

    private string AgentSocket => _agent.Socket;

    public async Task InitializeAsync()
    {
        _agent = await SshAgentProcess.StartAsync("buildfarm-test");
        _fingerprint = _agent.Fingerprint;
        File.Copy(_agent.KeyFile + ".pub", _directory.Combine("key.pub")); // the context of the steps' bind mounts
        _sshAdd = await SshAddLayerAsync();
        _sources = new TestMountSources(_directory.Path);
        _sources.AgentSockets["default"] = AgentSocket;
        _sources.AgentSockets["other"] = AgentSocket;
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task The_build_agent_answers_inside_the_step()
    {
        var outcome = await RunAsync("RUN --mount=type=ssh ssh-add -l; echo $SSH_AUTH_SOCK; stat -c '%a %u:%g %F' /run/buildkit/ssh_agent.0");

        Assert.StartsWith("256 SHA256:", _fingerprint);
        Assert.EndsWith(" buildfarm-test (ED25519)", _fingerprint);
        Assert.Equal([_fingerprint, "/run/buildkit/ssh_agent.0", "600 0:0 socket"], outcome.Stdout);
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
        Assert.Empty(fixture.ExecLeftovers());
    }

    [Fact]
    public async Task A_socket_for_another_user_at_its_own_target()
    {
        var outcome = await RunAsync(
            "RUN --mount=type=ssh,id=other,target=/home/user/agent,uid=1000,mode=0600 stat -c '%a %U %F' $SSH_AUTH_SOCK && ssh-add -l",
            user: "user");

        Assert.Equal(["600 user socket", _fingerprint], outcome.Stdout);
    }

    [Fact]
    public async Task SSH_AUTH_SOCK_names_the_first_ssh_mount_unless_the_step_sets_it()
    {
        var two = await RunAsync("RUN --mount=type=ssh,id=other --mount=type=ssh echo $SSH_AUTH_SOCK; SSH_AUTH_SOCK=/run/buildkit/ssh_agent.1 ssh-add -l");
        var own = await RunAsync("RUN --mount=type=ssh echo $SSH_AUTH_SOCK", environment: "SSH_AUTH_SOCK=/mine");

        Assert.Equal(["/run/buildkit/ssh_agent.0", _fingerprint], two.Stdout);
        Assert.Equal(["/mine"], own.Stdout);
    }

    [Fact]
    public async Task A_missing_agent_is_skipped_unless_required()
    {
        var skipped = await RunAsync("RUN --mount=type=ssh,id=absent ls /run/buildkit 2>&1; echo $SSH_AUTH_SOCK");
        var error = await Assert.ThrowsAsync<RunMountException>(() => RunAsync("RUN --mount=type=ssh,id=absent,required true"));

        Assert.Equal(["ls: /run/buildkit: No such file or directory", "/run/buildkit/ssh_agent.0"], skipped.Stdout);
        Assert.Equal("RUN --mount=type=ssh,id=absent,required: the build forwards no SSH agent \"absent\"", error.Message);
    }

    [Fact]
    public async Task An_agent_socket_that_is_gone_is_a_clear_error()
    {
        _sources.AgentSockets["gone"] = _directory.Combine("gone.sock");

        var error = await Assert.ThrowsAsync<RunMountException>(() => RunAsync("RUN --mount=type=ssh,id=gone true"));

        Assert.Equal($"RUN --mount=type=ssh,id=gone: the agent socket '{_directory.Combine("gone.sock")}' does not exist", error.Message);
    }

    [Fact]
    public async Task Keys_sent_with_a_build_are_served_by_an_agent_of_the_farms_own()
    {
        var parent = _directory.Combine("agents");
        var keys = new Dictionary<string, IReadOnlyList<byte[]>> { ["deploy"] = [await File.ReadAllBytesAsync(_agent.KeyFile)] };
        string socket;
        await using (var agents = await SshKeyAgents.StartAsync(keys, parent, CancellationToken.None))
        {
            socket = agents.FindSocket("deploy")!;
            _sources.AgentSockets["deploy"] = socket;
            var outcome = await RunAsync("RUN --mount=type=ssh,id=deploy ssh-add -l");

            Assert.Equal([_fingerprint], outcome.Stdout);
            Assert.Null(agents.FindSocket("default"));
            Assert.Equal("700", (await ProcessRunner.RunCheckedAsync("stat", ["-c", "%a", Path.GetDirectoryName(socket)!])).Trim());
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(parent));
    }

    [Fact]
    public async Task An_agent_reached_request_by_request_lists_and_signs_inside_the_step()
    {
        var channel = new AgentSocketChannel(AgentSocket);
        _sources.AgentChannels["client"] = channel;
        await File.WriteAllTextAsync(_directory.Combine("data"), "signed by the client's agent\n");

        var outcome = await RunAsync(
            "RUN --mount=type=ssh,id=client --mount=type=bind,source=key.pub,target=/key.pub ssh-add -l && ssh-add -T /key.pub && echo tested; stat -c '%a %F' $SSH_AUTH_SOCK");

        Assert.Equal([_fingerprint, "tested", "600 socket"], outcome.Stdout);
        Assert.True(channel.Requests >= 2, $"{channel.Requests} requests"); // a listing, then at least a signature
        Assert.Empty(await Layers.ReadAsync(fixture.Store, outcome.Layer));
    }

    [Fact]
    public async Task A_forwarded_agent_that_gives_no_reply_fails_the_step_saying_why()
    {
        _sources.AgentChannels["silent"] = new FailingChannel("the SSH agent \"silent\" forwarded from the client did not answer within 20 s");

        var error = await Assert.ThrowsAsync<BuildFarm.Execution.Sandbox.ProcessFailedException>(() => RunAsync("RUN --mount=type=ssh,id=silent ssh-add -l"));

        Assert.Equal(
            "process \"/bin/sh -c ssh-add -l\" did not complete successfully: the SSH agent \"silent\" forwarded from the client did not answer within 20 s: exit code: 1\nlast 1 lines of output:\nerror fetching identities: agent refused operation",
            error.Message);
    }

    private Task<RunOutcome> RunAsync(string run, string user = "", string? environment = null) =>
        fixture.RunMountedAsync(
            run,
            _sources,
            configure: process => process with
            {
                User = user,
                Environment = environment is null ? process.Environment : [.. process.Environment, environment],
            },
            parents: [fixture.Busybox, _sshAdd]);

    /// <summary>The host's ssh-add and the shared libraries it loads, at their own paths.</summary>
    private async Task<LayerBlob> SshAddLayerAsync()
    {
        var files = await SshAddFiles.FindAsync();
        return await Layers.WriteAsync(fixture.Store, files.CopyInto);
    }

    /// <summary>The real agent asked one request per connection, as the client answers a forwarded agent's requests.</summary>
    private sealed class AgentSocketChannel(string socket) : ISshAgentChannel
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public Task<byte[]> RequestAsync(byte[] request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return BuildFarm.Client.Builds.SshAgentForwarding.AskAgentAsync(socket, request, cancellationToken);
        }
    }

    /// <summary>What the farm's channel does when the client's agent gives no reply.</summary>
    private sealed class FailingChannel(string error) : ISshAgentChannel
    {
        public Task<byte[]> RequestAsync(byte[] request, CancellationToken cancellationToken) => throw new SshAgentForwardingException(error);
    }
}
