using System.Buffers.Binary;
using System.Net.Sockets;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Mounts.Internal;

/// <summary>
/// A Unix socket of a step's own, with the owner and mode the mount asks for, that serves the SSH
/// agent protocol from an agent elsewhere: a host agent, each connection forwarded to its socket,
/// or the client's agent, each request passed through an <see cref="ISshAgentChannel"/>. Mounting
/// a host agent's socket itself would hand the step that socket's owner and mode and keep it
/// reachable after the step; the proxy ends with it.
/// </summary>
internal sealed class SshAgentProxy : IAsyncDisposable
{
    // sockaddr_un's sun_path, terminating NUL included.
    private const int MaxSocketPathBytes = 107;

    // OpenSSH's agent refuses longer messages (AGENT_MAX_LEN); no real request comes near it.
    private const int MaxMessageBytes = 256 * 1024;

    // SSH_AGENT_FAILURE: what an agent answers a request it cannot serve.
    private static readonly byte[] AgentFailure = [5];

    private readonly Socket _listener;
    private readonly string? _agentSocket;
    private readonly ISshAgentChannel? _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private string? _failure;

    private SshAgentProxy(string path, Socket listener, string? agentSocket, ISshAgentChannel? channel)
    {
        Path = path;
        _listener = listener;
        _agentSocket = agentSocket;
        _channel = channel;
        _accepting = AcceptAsync();
    }

    /// <summary>The socket's host path.</summary>
    public string Path { get; }

    /// <summary>Why a request to a forwarded agent got no reply during the step, if one did not (the first such).</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Listens on <paramref name="path"/> (a new socket owned by <paramref name="uid"/>:<paramref name="gid"/> with <paramref name="mode"/>) for the host agent at <paramref name="agentSocket"/>.</summary>
    public static SshAgentProxy Start(string path, string agentSocket, uint uid, uint gid, uint mode) =>
        new(path, Listen(path, uid, gid, mode), agentSocket, channel: null);

    /// <summary>Listens on <paramref name="path"/> as <see cref="Start(string, string, uint, uint, uint)"/>, passing each request through <paramref name="channel"/>.</summary>
    public static SshAgentProxy Start(string path, ISshAgentChannel channel, uint uid, uint gid, uint mode) =>
        new(path, Listen(path, uid, gid, mode), agentSocket: null, channel);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections, _accepting];
        }

        // Each task ends on cancellation and has already dealt with its own errors.
        await Task.WhenAll(connections).ConfigureAwait(false);
        _stop.Dispose();
    }

    private static Socket Listen(string path, uint uid, uint gid, uint mode)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
        {
            throw new RunMountException($"Cannot forward an SSH agent: the socket path '{path}' is longer than a Unix socket allows ({MaxSocketPathBytes} bytes); use a shorter data directory.");
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            LibC.LChown(path, uid, gid);
            LibC.Chmod(path, (int)mode);
            listener.Listen();
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                lock (_connections)
                {
                    _connections.RemoveAll(static c => c.IsCompleted);
                    _connections.Add(ServeAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
        {
            // The step is over.
        }
    }

    /// <summary>Serves one connection until either side closes; a failure ends only this connection.</summary>
    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                await (_channel is null
                    ? ForwardAsync(client, _agentSocket!, _stop.Token)
                    : RelayAsync(client, _channel, _stop.Token)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The agent went away or the step ended: the client sees its connection close.
            }
        }
    }

    /// <summary>Pumps one connection both ways to the host agent.</summary>
    private static async Task ForwardAsync(Socket client, string agentSocket, CancellationToken stop)
    {
        using var agent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await agent.ConnectAsync(new UnixDomainSocketEndPoint(agentSocket), stop).ConfigureAwait(false);
        await using var clientStream = new NetworkStream(client, ownsSocket: false);
        await using var agentStream = new NetworkStream(agent, ownsSocket: false);
        await Task.WhenAll(
            PumpAsync(clientStream, agentStream, agent, stop),
            PumpAsync(agentStream, clientStream, client, stop)).ConfigureAwait(false);
    }

    private static async Task PumpAsync(Stream from, Stream to, Socket toSocket, CancellationToken stop)
    {
        await from.CopyToAsync(to, stop).ConfigureAwait(false);
        toSocket.Shutdown(SocketShutdown.Send); // pass the end of the conversation on
    }

    /// <summary>
    /// Reads the connection's requests one by one (4-byte big-endian length, then the message) and
    /// writes each reply the channel brings back. A request that gets none is answered as an agent
    /// answers one it cannot serve, and why is kept for the step's error.
    /// </summary>
    private async Task RelayAsync(Socket client, ISshAgentChannel channel, CancellationToken stop)
    {
        await using var stream = new NetworkStream(client, ownsSocket: false);
        var length = new byte[4];
        while (await stream.ReadAtLeastAsync(length, length.Length, throwOnEndOfStream: false, stop).ConfigureAwait(false) == length.Length)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(length);
            if (size is 0 or > MaxMessageBytes)
            {
                return; // not the agent protocol: close, as ssh-agent does
            }

            var request = new byte[size];
            await stream.ReadExactlyAsync(request, stop).ConfigureAwait(false);
            byte[] reply;
            try
            {
                reply = await channel.RequestAsync(request, stop).ConfigureAwait(false);
            }
            catch (SshAgentForwardingException e)
            {
                Interlocked.CompareExchange(ref _failure, e.Message, null);
                reply = AgentFailure;
            }

            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)reply.Length);
            await stream.WriteAsync(length, stop).ConfigureAwait(false);
            await stream.WriteAsync(reply, stop).ConfigureAwait(false);
        }
    }
}
