using System.Globalization;
using System.Net;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Files;

/// <summary>A real HTTP server on 127.0.0.1 serving fixed files, for ADD's URL sources; 404 for anything else.</summary>
internal sealed class StaticHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (byte[] Body, DateTimeOffset? LastModified)> _files = new(StringComparer.Ordinal);
    private readonly Task _serving;

    public StaticHttpServer()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Pick();
            BaseUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
            _listener.Prefixes.Add(BaseUrl + "/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Prefixes.Clear(); // lost the race for the port
            }
        }

        _serving = ServeAsync();
    }

    public string BaseUrl { get; }

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/> (which starts with '/').</summary>
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
        _listener.Stop();
        _listener.Close();
        try
        {
            _serving.GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is HttpListenerException or ObjectDisposedException)
        {
            // Stopping the listener ends the pending GetContextAsync.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            (byte[] Body, DateTimeOffset? LastModified) file;
            bool found;
            lock (_files)
            {
                found = _files.TryGetValue(context.Request.Url!.AbsolutePath, out file);
            }

            if (!found)
            {
                context.Response.StatusCode = 404;
                context.Response.Close();
                continue;
            }

            if (file.LastModified is { } modified)
            {
                context.Response.Headers["Last-Modified"] = modified.ToString("R", CultureInfo.InvariantCulture);
            }

            context.Response.ContentLength64 = file.Body.Length;
            await context.Response.OutputStream.WriteAsync(file.Body);
            context.Response.Close();
        }
    }
}
