using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BuildFarm.Testing;

/// <summary>
/// Git's own smart HTTP server, <c>git http-backend</c>, run as a CGI program behind a minimal
/// HTTP/1.1 front on 127.0.0.1 (a port the kernel gives it), serving every repository below
/// <see cref="Root"/> at <c>/NAME.git</c>. One request per connection, answered until close.
/// </summary>
public sealed class GitHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TempDirectory _root = new("buildfarm-git-server");
    private readonly Task _serving;

    public GitHttpServer()
    {
        _listener.Start();
        BaseUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _serving = ServeAsync(_stop.Token);
    }

    public string BaseUrl { get; }

    /// <summary>The directory whose repositories are served.</summary>
    public string Root => _root.Path;

    /// <summary>Creates a repository <c>NAME.git</c> with a fixed author and commit times (so commits have the same ids on every run) and returns its working directory.</summary>
    public async Task<GitRepository> CreateRepositoryAsync(string name)
    {
        var directory = System.IO.Path.Combine(Root, name + ".git");
        Directory.CreateDirectory(directory);
        var repository = new GitRepository(directory, $"{BaseUrl}/{name}.git");
        await repository.GitAsync("init", "-q", "-b", "main");
        await repository.GitAsync("config", "http.receivepack", "false");
        return repository;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _serving.GetAwaiter().GetResult();
        _stop.Dispose();
        _root.Dispose();
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                break;
            }

            connections.Add(HandleAsync(client, cancellationToken));
        }

        await Task.WhenAll(connections);
    }

    private async Task HandleAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                await RespondAsync(client.GetStream(), cancellationToken);
            }
            catch (Exception error) when (error is IOException or OperationCanceledException or InvalidOperationException)
            {
                // The client went away (or the server is stopping).
            }
        }
    }

    private async Task RespondAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = await ReadHeadAsync(stream, cancellationToken);
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        var (method, target) = (parts[0], parts[1]);
        var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
            .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = await ReadBodyAsync(stream, headers, cancellationToken);

        var query = target.Contains('?', StringComparison.Ordinal) ? target[(target.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;
        var path = Uri.UnescapeDataString(target.Split('?')[0]);
        var start = new ProcessStartInfo("git", ["http-backend"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["GIT_PROJECT_ROOT"] = Root;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["REQUEST_METHOD"] = method;
        start.Environment["PATH_INFO"] = path;
        start.Environment["QUERY_STRING"] = query;
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        start.Environment["CONTENT_LENGTH"] = body.Length.ToString(CultureInfo.InvariantCulture);
        start.Environment["CONTENT_TYPE"] = headers.GetValueOrDefault("Content-Type", string.Empty);
        start.Environment["HTTP_CONTENT_ENCODING"] = headers.GetValueOrDefault("Content-Encoding", string.Empty);
        start.Environment["GIT_PROTOCOL"] = headers.GetValueOrDefault("Git-Protocol", string.Empty);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken);
        await process.StandardInput.BaseStream.WriteAsync(body, cancellationToken);
        process.StandardInput.Close();
        await copy;
        await process.WaitForExitAsync(cancellationToken);
        await errors;

        // CGI: headers (a "Status:" among them), a blank line, the body.
        var cgi = output.ToArray();
        var split = IndexOf(cgi, "\r\n\r\n"u8) is var crlf and >= 0 ? (crlf, 4) : (IndexOf(cgi, "\n\n"u8), 2);
        var cgiHeaders = Encoding.ASCII.GetString(cgi, 0, Math.Max(split.Item1, 0)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var status = cgiHeaders.FirstOrDefault(l => l.StartsWith("Status:", StringComparison.OrdinalIgnoreCase))?["Status:".Length..].Trim() ?? "200 OK";
        var response = new StringBuilder($"HTTP/1.1 {status}\r\n");
        foreach (var header in cgiHeaders.Where(l => !l.StartsWith("Status:", StringComparison.OrdinalIgnoreCase)))
        {
            response.Append(header).Append("\r\n");
        }

        var payload = split.Item1 < 0 ? [] : cgi[(split.Item1 + split.Item2)..];
        response.Append(CultureInfo.InvariantCulture, $"Content-Length: {payload.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response.ToString()), cancellationToken);
        await stream.WriteAsync(payload, cancellationToken);
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 65536)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("The client closed the connection before its request ended.");
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
            {
                return Encoding.ASCII.GetString([.. head]);
            }
        }

        throw new InvalidOperationException("Request head over 64 KiB.");
    }

    private static async Task<byte[]> ReadBodyAsync(NetworkStream stream, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        if (headers.TryGetValue("Content-Length", out var length))
        {
            var body = new byte[int.Parse(length, CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body, cancellationToken);
            return body;
        }

        if (!headers.TryGetValue("Transfer-Encoding", out var encoding) || !encoding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var chunks = new MemoryStream();
        while (true)
        {
            var size = int.Parse((await ReadLineAsync(stream, cancellationToken)).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                await ReadLineAsync(stream, cancellationToken);
                return chunks.ToArray();
            }

            var chunk = new byte[size];
            await stream.ReadExactlyAsync(chunk, cancellationToken);
            chunks.Write(chunk);
            await ReadLineAsync(stream, cancellationToken);
        }
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (line.Length < 1024)
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }

        throw new InvalidOperationException("Chunk line over 1 KiB.");
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}

/// <summary>A repository a <see cref="GitHttpServer"/> serves: its working directory and the URL it is fetched from.</summary>
public sealed class GitRepository(string directory, string url)
{
    private int _commits;

    public string Directory { get; } = directory;

    public string Url { get; } = url;

    /// <summary>Runs git in the repository with a fixed identity; returns its stdout, trimmed.</summary>
    public async Task<string> GitAsync(params string[] arguments)
    {
        var time = (1_700_000_000 + _commits).ToString(CultureInfo.InvariantCulture) + " +0000";
        string[] env =
        [
            "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
            "GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE=" + time,
            "GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE=" + time,
        ];
        return (await ProcessRunner.RunCheckedAsync("env", [.. env, "git", "-C", Directory, .. arguments])).Trim();
    }

    /// <summary>Writes files (parents created), commits them all with <paramref name="message"/> and returns the commit id.</summary>
    public async Task<string> CommitAsync(string message, params (string Path, string Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = System.IO.Path.Combine(Directory, path);
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }

        await GitAsync("add", "-A");
        await GitAsync("commit", "-q", "-m", message);
        _commits++;
        return await GitAsync("rev-parse", "HEAD");
    }
}
