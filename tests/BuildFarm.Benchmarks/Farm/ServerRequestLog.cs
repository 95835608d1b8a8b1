using System.Globalization;
using System.Text.RegularExpressions;

namespace BuildFarm.Benchmarks.Farm;

/// <summary>One gRPC call the server served (<c>Content/FindMissing</c>, <c>Builds/Submit</c>, ...), in seconds since a build's process started.</summary>
public sealed record ServerRequest(string Method, double Started, double Finished)
{
    public double Seconds => Finished - Started;
}

/// <summary>
/// The gRPC calls a <c>farm server</c> served, read from ASP.NET Core's own request log on its
/// standard output. The CLI does not report its phases (snapshot, find missing, upload, submit),
/// but each is one or more calls to the server, so the server's log of when each call ended and how
/// long it took splits a <c>farm build</c> from outside without changing the farm.
/// </summary>
public sealed partial class ServerRequestLog
{
    /// <summary>How long the console logger may lag behind a call that has ended.</summary>
    private static readonly TimeSpan LogLag = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly List<(string Method, DateTimeOffset Finished, TimeSpan Duration)> _finished = [];

    /// <summary>
    /// Configuration for the server's process: the farm logs at Warning, so the request log (at
    /// Information) is turned on by category alone, one line per entry with a UTC timestamp.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffffffzzz ",
    };

    /// <summary>Reads one line of the server's output; lines that are not a finished request are ignored.</summary>
    public void Add(string line)
    {
        if (FinishedRequest().Match(line) is not { Success: true } match)
        {
            return;
        }

        var finished = DateTimeOffset.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var duration = TimeSpan.FromMilliseconds(double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture));
        lock (_lock)
        {
            _finished.Add((match.Groups["method"].Value, finished, duration));
        }
    }

    /// <summary>
    /// The calls that started at or after <paramref name="since"/>, in seconds since then, once the
    /// one to <paramref name="lastMethod"/> (the build's <c>Builds/Submit</c>) is in the log.
    /// </summary>
    public async Task<IReadOnlyList<ServerRequest>> SinceAsync(DateTimeOffset since, string lastMethod)
    {
        var deadline = DateTimeOffset.UtcNow + LogLag;
        while (true)
        {
            List<ServerRequest> requests;
            lock (_lock)
            {
                requests = [.. _finished
                    .Where(request => request.Finished - request.Duration >= since)
                    .Select(request => new ServerRequest(request.Method, (request.Finished - request.Duration - since).TotalSeconds, (request.Finished - since).TotalSeconds))
                    .OrderBy(request => request.Started)];
            }

            if (requests.Any(request => request.Method == lastMethod))
            {
                return requests;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the farm server logged no {lastMethod} call within {LogLag.TotalSeconds:0} s of the build's end");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    // 2026-12-06T20:05:33.0519699+00:00 info: Microsoft.AspNetCore.Hosting.Diagnostics[2] Request finished HTTP/2 POST
    // http://127.0.0.1:38041/buildfarm.v1.Content/Upload - 200 - application/grpc 138.3903ms
    [GeneratedRegex(@"^(?<time>\d{4}-\d\d-\d\dT\S+?)\s*info: Microsoft\.AspNetCore\.Hosting\.Diagnostics\[2\] Request finished HTTP/2 POST \S+?/buildfarm\.v1\.(?<method>\w+/\w+) .* (?<ms>[0-9.]+)ms\s*$")]
    private static partial Regex FinishedRequest();
}
