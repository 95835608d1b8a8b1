using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BuildFarm.Execution.Tests.Files;

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 serving fixed files, for ADD's URL sources; 404 for anything
/// else. It listens on a port the kernel gives it (no race for a free port) and closes each connection
/// after one response.
/// </summary>
internal sealed class StaticHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Dictionary<string, (byte[] Body, DateTimeOffset? LastModified)> _files = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public StaticHttpServer()
    {
        _listener.Start();
        BaseUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _serving = ServeAsync(_stop.Token);
    }

    public string BaseUrl { get; }

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/> (as it appears in the request line) and returns its URL.</summary>
    public string Add(string path, byte[] body, DateTimeOffset? lastModified = null)
    {
        lock (_files)
        {
            _files[path] = (body, lastModified);
        }

        return BaseUrl + path;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _serving.GetAwaiter().GetResult();
        _stop.Dispose();
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    await RespondAsync(client.GetStream(), cancellationToken);
                }
                catch (Exception error) when (error is IOException or OperationCanceledException)
                {
                    // The client went away (or the server is stopping): the next one is served all the same.
                }
            }
        }
    }

    private async Task RespondAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        var requestLine = await reader.ReadLineAsync(cancellationToken) ?? string.Empty;
        while (!string.IsNullOrEmpty(await reader.ReadLineAsync(cancellationToken)))
        {
            // Headers do not matter here.
        }

        var target = requestLine.Split(' ') is [_, var path, ..] ? path.Split('?')[0] : string.Empty;
        (byte[] Body, DateTimeOffset? LastModified) file;
        bool found;
        lock (_files)
        {
            found = _files.TryGetValue(target, out file);
        }

        var head = new StringBuilder(found ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n");
        var body = found ? file.Body : [];
        if (found && file.LastModified is { } modified)
        {
            head.Append(CultureInfo.InvariantCulture, $"Last-Modified: {modified.ToString("R", CultureInfo.InvariantCulture)}\r\n");
        }

        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
    }
}
