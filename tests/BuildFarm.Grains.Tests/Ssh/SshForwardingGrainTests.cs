using System.Text;
using BuildFarm.Execution.Mounts;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Ssh;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Grains.Tests.Ssh;

/// <summary>
/// A client's agent forwarding across two silos: the client's stream held on one silo (its loop
/// here stands in for SshAgentsService, answering from a real <c>ssh-agent</c>), a step's requests
/// made on the other, through the session's grain, wherever it lives.
/// </summary>
public sealed class SshForwardingGrainTests : TwoSiloTest
{
    // SSH2_AGENTC_REQUEST_IDENTITIES, and the answer's type, SSH2_AGENT_IDENTITIES_ANSWER.
    private static readonly byte[] RequestIdentities = [11];
    private const byte IdentitiesAnswer = 12;

    private SshAgentProcess _agent = null!;

    private string AgentSocket => _agent.Socket;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _agent = await SshAgentProcess.StartAsync("cluster-key");
    }

    public override async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_step_on_one_silo_asks_the_agent_of_a_client_attached_to_the_other_and_gets_its_reply()
    {
        const string session = "c0ffee";
        var gateway = A.Get<IGrainFactory>().GetGrain<ISshForwardingGrain>(session);
        await gateway.OpenAsync();
        var answering = AgentForwardingClient.AnswerAsync(gateway, AgentSocket);
        var secrets = new BuildSecrets { ForwardedSsh = ["default"], SshSession = session };
        var agents = ForwardedSshAgents.For(B.Get<IGrainFactory>(), secrets)!;

        var reply = await agents.FindChannel("default")!.RequestAsync(RequestIdentities, CancellationToken.None);
        var again = await agents.FindChannel("default")!.RequestAsync(RequestIdentities, CancellationToken.None);

        Assert.Equal(IdentitiesAnswer, reply[0]);
        Assert.Equal(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(1))); // one key
        Assert.EndsWith("cluster-key", Encoding.ASCII.GetString(reply), StringComparison.Ordinal);
        Assert.Equal(reply, again);
        Assert.Null(agents.FindChannel("other"));
        Assert.Null(agents.FindSocket("default"));

        await agents.EndAsync();
        Assert.Equal(2, await answering); // the loop saw the end and stopped after the two requests
        var ended = await Assert.ThrowsAsync<SshAgentForwardingException>(() => agents.FindChannel("default")!.RequestAsync(RequestIdentities, CancellationToken.None));
        Assert.Equal("the SSH agent \"default\" forwarded from the client is gone: the client's forwarding ended", ended.Message);
    }

    [Fact]
    public async Task A_session_nobody_opened_fails_each_request_saying_so_and_a_build_without_forwarding_has_no_agents()
    {
        var agents = ForwardedSshAgents.For(B.Get<IGrainFactory>(), new BuildSecrets { ForwardedSsh = ["default"], SshSession = "never-opened" })!;

        var error = await Assert.ThrowsAsync<SshAgentForwardingException>(() => agents.FindChannel("default")!.RequestAsync(RequestIdentities, CancellationToken.None));

        Assert.Equal("the SSH agent \"default\" cannot be forwarded: the client has no forwarding session open", error.Message);
        Assert.Null(ForwardedSshAgents.For(B.Get<IGrainFactory>(), BuildSecrets.None));
    }
}
