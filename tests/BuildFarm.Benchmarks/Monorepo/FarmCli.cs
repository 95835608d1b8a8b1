using System.Diagnostics;
using System.Text.Json.Nodes;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks.Monorepo;

/// <summary>One step of a farm build: its name and outcome as <c>--metadata-file</c> reports them under <c>buildfarm.steps</c>.</summary>
/// <param name="Outcome"><c>ran</c>, <c>cached</c>, <c>joined</c>, or <c>config</c> for a step with nothing to run (ENV, ...).</param>
/// <param name="Started">When its <c>stepStarted</c> event came, in seconds since <c>farm build</c> started; null when it did not start (cached, config).</param>
/// <param name="Finished">When its <c>stepFinished</c> event came. The metadata's <c>seconds</c> also count the wait for
/// a <c>COPY --from</c> stage and for a free slot, so the events tell what the step itself took.</param>
public sealed record FarmStep(string Name, string Outcome, double? Started, double? Finished)
{
    public bool Ran => Outcome is "ran" or "joined";
}

/// <summary>
/// A finished <c>farm build</c>: its wall-clock time (process start to exit), its steps, and from
/// its events' timestamps when the farm's first and last events came, in seconds since the start:
/// before the first is the client's work (process start, context snapshot and upload, submit) and
/// the farm's planning; between them the build; after the last the client's end (metadata, exit).
/// </summary>
public sealed record FarmBuild(double Seconds, IReadOnlyList<FarmStep> Steps, double FirstEvent, double LastEvent);

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
                    _ = process.StandardOutput.ReadToEndAsync();
                    return new FarmServer(process, new Uri(address), error);
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
        return new FarmBuild(seconds, steps, events.Min(Time), events.Max(Time));
    }

    private static async Task<int> ExitCodeAsync(Process process)
    {
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}

/// <summary>A running <c>farm server</c>; disposing stops it with SIGTERM and waits for it to exit.</summary>
public sealed class FarmServer(Process process, Uri address, Task<string> error) : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public Uri Address { get; } = address;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                await ProcessRunner.RunCheckedAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                try
                {
                    await process.WaitForExitAsync().WaitAsync(StopTimeout);
                }
                catch (TimeoutException)
                {
                    process.Kill(entireProcessTree: true);
                    throw new InvalidOperationException($"farm server did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM:\n{await error}");
                }
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
