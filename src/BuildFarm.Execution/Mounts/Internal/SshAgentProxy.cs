using System.Net.Sockets;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Mounts.Internal;

/// <summary>
/// A Unix socket of a step's own, with the owner and mode the mount asks for, that forwards each
/// connection to a host SSH agent. Mounting the agent's socket itself would hand the step the
/// host socket's owner and mode and keep it reachable after the step; the proxy ends with it.
/// </summary>
internal sealed class SshAgentProxy : IAsyncDisposable
{
    // sockaddr_un's sun_path, terminating NUL included.
    private const int MaxSocketPathBytes = 107;

    private readonly Socket _listener;
    private readonly string _agentSocket;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;

    private SshAgentProxy(Socket listener, string agentSocket)
    {
        _listener = listener;
        _agentSocket = agentSocket;
        _accepting = AcceptAsync();
    }

    /// <summary>Listens on <paramref name="path"/> (a new socket owned by <paramref name="uid"/>:<paramref name="gid"/> with <paramref name="mode"/>) for <paramref name="agentSocket"/>.</summary>
    public static SshAgentProxy Start(string path, string agentSocket, uint uid, uint gid, uint mode)
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
            return new SshAgentProxy(listener, agentSocket);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

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
                    _connections.Add(ForwardAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
        {
            // The step is over.
        }
    }

    /// <summary>Pumps one connection both ways until either side closes; a failure ends only this connection.</summary>
    private async Task ForwardAsync(Socket client)
    {
        using (client)
        {
            try
            {
                using var agent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await agent.ConnectAsync(new UnixDomainSocketEndPoint(_agentSocket), _stop.Token).ConfigureAwait(false);
                await using var clientStream = new NetworkStream(client, ownsSocket: false);
                await using var agentStream = new NetworkStream(agent, ownsSocket: false);
                await Task.WhenAll(
                    PumpAsync(clientStream, agentStream, agent),
                    PumpAsync(agentStream, clientStream, client)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The agent went away or the step ended: the client sees its connection close.
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to, Socket toSocket)
    {
        await from.CopyToAsync(to, _stop.Token).ConfigureAwait(false);
        toSocket.Shutdown(SocketShutdown.Send); // pass the end of the conversation on
    }
}
