using BuildFarm.Client.Builds;
using BuildFarm.Grains.Ssh;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>What SshAgentsService does with a client's stream, the client answering from its real agent: the tests' stand-in for the gRPC hop.</summary>
public static class AgentForwardingClient
{
    /// <summary>Takes the session's requests and answers each from the agent at <paramref name="agentSocket"/> until the session ends; returns how many it answered.</summary>
    public static async Task<int> AnswerAsync(ISshForwardingGrain session, string agentSocket)
    {
        ArgumentNullException.ThrowIfNull(session);
        var answered = 0;
        for (var polls = 0; polls < 100; polls++)
        {
            var batch = await session.NextAsync(TimeSpan.FromSeconds(5));
            foreach (var request in batch.Requests)
            {
                await session.ReplyAsync(request.RequestId, new SshAgentAnswer(await SshAgentForwarding.AskAgentAsync(agentSocket, request.Body), null));
                answered++;
            }

            if (batch.Ended)
            {
                return answered;
            }
        }

        throw new TimeoutException("the session did not end within 100 polls");
    }
}
