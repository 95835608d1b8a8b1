using System.Net;
using System.Text;
using BuildFarm.Testing;

namespace BuildFarm.Server.Tests.TestSupport;

/// <summary>
/// Serves one file over HTTP for <c>ADD http://...</c>, holding every answer until the test opens
/// the gate: a build that downloads it stops there, in the middle of its run, without any sleep.
/// </summary>
internal sealed class GatedFileServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _content;
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _serving;

    public GatedFileServer(string content)
    {
        _content = Encoding.UTF8.GetBytes(content);
        var port = FreePort.Pick();
        Url = new Uri($"http://127.0.0.1:{port}/file.txt");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public Uri Url { get; }

    /// <summary>Completes when the first request arrives.</summary>
    public Task Requested => _requested.Task;

    /// <summary>Answers the requests held so far and every later one at once.</summary>
    public void Open() => _open.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        _open.TrySetResult();
        // Close alone, never Stop then Close: the second would bind the port again (see TokenServer).
        _listener.Close();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            _ = AnswerAsync(context);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        _requested.TrySetResult();
        await _open.Task;
        context.Response.ContentLength64 = _content.Length;
        await context.Response.OutputStream.WriteAsync(_content);
        context.Response.Close();
    }
}
