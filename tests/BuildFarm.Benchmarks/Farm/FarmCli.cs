using System.Diagnostics;
using System.Text.Json.Nodes;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks.Farm;

/// <summary>
/// The Release <c>farm</c> CLI as users run it: separate processes, a <c>farm server</c> of a data
/// directory started once, and <c>farm build --server</c> against it.
/// </summary>
public sealed class FarmCli(string farm)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The natively compiled <c>farm</c> of deploy/publish-cli.sh.</summary>
    public string Program { get; } = farm;

    /// <summary><c>farm load</c> through the running server.</summary>
    public Task LoadAsync(FarmServer server, string archive) =>
        ProcessRunner.RunCheckedAsync(Program, ["--server", server.Address.ToString(), "load", "-i", archive]);

    /// <summary>Starts <c>farm server</c> on free ports and waits until it listens.</summary>
    public async Task<FarmServer> StartServerAsync(string dataDirectory)
    {
        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--data-dir", dataDirectory, "server", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in ServerRequestLog.Environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start farm server");
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            // "farm server listening on http://127.0.0.1:PORT/, metrics on ..."
            const string Prefix = "farm server listening on ";
            while (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)) is { } line)
            {
                if (line.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    var address = line[Prefix.Length..line.IndexOf(',', StringComparison.Ordinal)];
                    var requests = new ServerRequestLog();
                    _ = ReadLinesAsync(process.StandardOutput, requests.Add);
                    return new FarmServer(process, new Uri(address), requests, error);
                }
            }

            throw new InvalidOperationException($"farm server exited with {await ExitCodeAsync(process)} before it listened:\n{await error}");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>farm build --server ... --progress rawjson --metadata-file</c> and times the process.
    /// rawjson costs what plain costs and carries each event's timestamp.
    /// </summary>
    public async Task<FarmBuild> BuildAsync(FarmServer server, string dataDirectory, string contextDirectory, string metadataFile, string tag)
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(
            Program,
            ["--server", server.Address.ToString(), "--data-dir", dataDirectory, "build", "--progress", "rawjson", "--metadata-file", metadataFile, "-t", tag, contextDirectory],
            BuildTimeout);
        var seconds = watch.Elapsed.TotalSeconds;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"farm build exited with {result.ExitCode}:\n{result.Error}");
        }

        var events = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        double Time(JsonObject buildEvent) => (buildEvent["time"]!.GetValue<DateTimeOffset>() - started).TotalSeconds;
        double? When(string kind, string step) =>
            events.Where(e => e[kind]?["step"]?["name"]?.GetValue<string>() == step).Select(Time).Cast<double?>().FirstOrDefault();
        var metadata = JsonNode.Parse(await File.ReadAllTextAsync(metadataFile))!;
        var steps = metadata["buildfarm.steps"]!.AsArray()
            .Select(step =>
            {
                var name = step!["name"]!.GetValue<string>();
                return new FarmStep(name, step["outcome"]!.GetValue<string>(), When("stepStarted", name), When("stepFinished", name));
            })
            .ToList();
        var requests = await server.Requests.SinceAsync(started, "Builds/Submit");
        return new FarmBuild(seconds, steps, events.Min(Time), events.Max(Time), requests);
    }

    /// <summary>
    /// What starting the CLI costs with nothing to do (<c>farm --version</c>, the best of three):
    /// the part of a build's time before its first call to the server that is not the context's walk.
    /// </summary>
    public async Task<double> StartupSecondsAsync()
    {
        var best = double.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            await ProcessRunner.RunCheckedAsync(Program, ["--version"]);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static async Task ReadLinesAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }

    private static async Task<int> ExitCodeAsync(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
