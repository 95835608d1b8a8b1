using System.Buffers.Binary;
using System.Net.Sockets;
using BuildFarm.Api.V1;
using BuildFarm.Oci.Internal;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Client.Builds;

/// <summary>
/// The client's side of <c>SshAgents.Forward</c> (<c>farm build --ssh default</c>): an open session
/// whose id a build names (<see cref="Session"/>), answering each agent request the farm sends
/// from the local agent socket of its id, one connection per request, so that no private key
/// leaves this machine. Disposing it closes the session.
/// </summary>
public sealed class SshAgentForwarding : IAsyncDisposable
{
    // OpenSSH's agent refuses longer messages (AGENT_MAX_LEN).
    private const int MaxMessageBytes = 256 * 1024;

    private readonly AsyncDuplexStreamingCall<SshAgentReply, SshAgentRequest> _call;
    private readonly IReadOnlyDictionary<string, string> _sockets;
    private readonly CancellationTokenSource _stop;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly List<Task> _answers = [];
    private Task _serving = Task.CompletedTask;

    private SshAgentForwarding(AsyncDuplexStreamingCall<SshAgentReply, SshAgentRequest> call, IReadOnlyDictionary<string, string> sockets, string session, CancellationToken cancellationToken)
    {
        _call = call;
        _sockets = sockets;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Session = session;
    }

    /// <summary>Whether <paramref name="path"/> is a Unix socket (an agent's), links followed.</summary>
    public static bool IsSocket(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var status = LibC.TryLStat(path);
        if (status is { IsSymlink: true } && File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target)
        {
            status = LibC.TryLStat(target.FullName);
        }

        return status?.Type == FileStatus.TypeSocket;
    }

    /// <summary>The id to name in <see cref="SubmitRequest.SshSession"/>.</summary>
    public string Session { get; }

    /// <summary>Completes when the session is over: the farm ended it (its build ended) or this side closed it.</summary>
    public Task Ended => _serving;

    /// <summary>Opens a session for the agents at <paramref name="sockets"/> (id to Unix socket path) and starts answering.</summary>
    /// <exception cref="RpcException">The farm refused the call or is unreachable.</exception>
    public static async Task<SshAgentForwarding> OpenAsync(SshAgents.SshAgentsClient client, IReadOnlyDictionary<string, string> sockets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(sockets);
        var call = client.Forward(cancellationToken: cancellationToken);
        try
        {
            if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) || call.ResponseStream.Current.Session.Length == 0)
            {
                throw new RpcException(new Status(StatusCode.Internal, "The farm opened no SSH agent forwarding session."));
            }

            var forwarding = new SshAgentForwarding(call, sockets, call.ResponseStream.Current.Session, cancellationToken);
            forwarding._serving = forwarding.ServeAsync();
            return forwarding;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _writing.WaitAsync().ConfigureAwait(false);
            try
            {
                await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            finally
            {
                _writing.Release();
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
        {
            // The call has ended already.
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _serving.ConfigureAwait(false);
        Task[] answers;
        lock (_answers)
        {
            answers = [.. _answers];
        }

        await Task.WhenAll(answers).ConfigureAwait(false);
        _call.Dispose();
        _stop.Dispose();
        _writing.Dispose();
    }

    private async Task ServeAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
            {
                var request = _call.ResponseStream.Current;
                lock (_answers)
                {
                    _answers.RemoveAll(static a => a.IsCompleted);
                    _answers.Add(AnswerAsync(request));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or IOException)
        {
            // The session is over: the build ended, the farm went away, or this side closed it.
        }
    }

    private async Task AnswerAsync(SshAgentRequest request)
    {
        var reply = new SshAgentReply { RequestId = request.RequestId };
        try
        {
            if (!_sockets.TryGetValue(request.AgentId, out var socket))
            {
                throw new InvalidDataException("no agent of that id is forwarded");
            }

            reply.Body = ByteString.CopyFrom(await AskAgentAsync(socket, request.Body.Memory, _stop.Token).ConfigureAwait(false));
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
        {
            reply.Error = $"the client could not ask its SSH agent \"{request.AgentId}\": {e.Message}";
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await _writing.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                await _call.RequestStream.WriteAsync(reply, _stop.Token).ConfigureAwait(false);
            }
            finally
            {
                _writing.Release();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The session ended while the agent answered.
        }
    }

    /// <summary>Asks the agent at <paramref name="socket"/> one request (a message without its length) on a connection of its own and returns its reply (without its length).</summary>
    /// <exception cref="SocketException">The socket refused the connection.</exception>
    /// <exception cref="InvalidDataException">The reply's length is not an agent's.</exception>
    public static async Task<byte[]> AskAgentAsync(string socket, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var agent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await agent.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(agent, ownsSocket: false);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)body.Length);
        await stream.WriteAsync(length, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        await stream.ReadExactlyAsync(length, cancellationToken).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadUInt32BigEndian(length);
        if (size is 0 or > MaxMessageBytes)
        {
            throw new InvalidDataException($"the agent's reply is {size} bytes long");
        }

        var reply = new byte[size];
        await stream.ReadExactlyAsync(reply, cancellationToken).ConfigureAwait(false);
        return reply;
    }
}
