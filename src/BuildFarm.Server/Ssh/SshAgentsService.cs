using System.Security.Cryptography;
using BuildFarm.Api.V1;
using BuildFarm.Grains.Ssh;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SshAgentRequest = BuildFarm.Api.V1.SshAgentRequest;

namespace BuildFarm.Server.Ssh;

/// <summary>
/// <c>buildfarm.v1.SshAgents</c>: holds a client's forwarding stream on this silo and passes it the
/// requests its builds' steps send to the session's <see cref="ISshForwardingGrain"/> (from any
/// silo), and the client's replies back. The session id is made here, unguessable, and is the only
/// way to the session: a client names it in the Submit of its own build.
/// </summary>
public sealed partial class SshAgentsService(IGrainFactory grains, ILogger<SshAgentsService> logger) : SshAgents.SshAgentsBase
{
    // Each wait for requests is well under the grain call timeout.
    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(10);

    public override async Task Forward(IAsyncStreamReader<SshAgentReply> requestStream, IServerStreamWriter<SshAgentRequest> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var grain = grains.GetGrain<ISshForwardingGrain>(session);
        await grain.OpenAsync().ConfigureAwait(false);
        LogOpened(logger, context.Peer);
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        try
        {
            await responseStream.WriteAsync(new SshAgentRequest { Session = session }, context.CancellationToken).ConfigureAwait(false);
            var replies = ReadRepliesAsync(requestStream, grain, closed);
            while (!closed.IsCancellationRequested)
            {
                var batch = await grain.NextAsync(PollWait).WaitAsync(closed.Token).ConfigureAwait(false);
                foreach (var request in batch.Requests)
                {
                    await responseStream.WriteAsync(
                        new SshAgentRequest { RequestId = request.RequestId, AgentId = request.AgentId, Body = ByteString.CopyFrom(request.Body) },
                        closed.Token).ConfigureAwait(false);
                }

                if (batch.Ended)
                {
                    break;
                }
            }

            await closed.CancelAsync().ConfigureAwait(false);
            await replies.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            // The client closed its side or went away.
        }
        finally
        {
            await grain.EndAsync().ConfigureAwait(false);
            LogEnded(logger, context.Peer);
        }
    }

    // Until the client closes its side: then the session ends, and so does the call.
    private static async Task ReadRepliesAsync(IAsyncStreamReader<SshAgentReply> replies, ISshForwardingGrain grain, CancellationTokenSource closed)
    {
        try
        {
            while (await replies.MoveNext(closed.Token).ConfigureAwait(false))
            {
                var reply = replies.Current;
                var answer = reply.Error.Length > 0 ? SshAgentAnswer.Failed(reply.Error) : new SshAgentAnswer(reply.Body.ToByteArray(), null);
                await grain.ReplyAsync(reply.RequestId, answer).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException)
        {
            // The call is over.
        }
        finally
        {
            await closed.CancelAsync().ConfigureAwait(false);
        }
    }
}
