using System.CommandLine;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Server;

namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>
/// <c>farm server</c> (farm-server's command tree) run in this process, as a user runs it: it holds its data directory's store
/// and announces itself there, so <c>farm</c> commands on that data directory reach it as they
/// reach a local server. Disposing stops it as Ctrl+C does.
/// </summary>
internal sealed partial class InProcessServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<int> _run;

    private InProcessServer(CancellationTokenSource stop, Task<int> run, Uri address)
    {
        _stop = stop;
        _run = run;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="options">More options of <c>farm server</c> (<c>--docker-config</c>, <c>--insecure-registry</c>).</param>
    public static async Task<InProcessServer> StartAsync(FarmEnvironment environment, string dataDirectory, params string[] options)
    {
        var output = new AnnouncementWriter();
        var error = new StringWriter();
        var stop = new CancellationTokenSource();
        string[] args = ["--data-dir", dataDirectory, "server", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", .. options];
        // Run apart from the test's synchronization context, so that stopping it from a synchronous Dispose cannot deadlock.
        var run = Task.Run(() => FarmServerCommandLine.Create(environment).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, stop.Token));
        if (await Task.WhenAny(output.Announced, run) != output.Announced)
        {
            stop.Dispose();
            throw new InvalidOperationException($"farm server exited with {await run} before it listened:\n{error}");
        }

        return new InProcessServer(stop, run, await output.Announced);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Assert.Equal(0, await _run);
        _stop.Dispose();
    }

    [GeneratedRegex("^farm server listening on (?<address>\\S+), ")]
    private static partial Regex Listening();

    /// <summary>Completes <see cref="Announced"/> with the address when the server says where it listens.</summary>
    private sealed class AnnouncementWriter : StringWriter
    {
        private readonly TaskCompletionSource<Uri> _announced = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Uri> Announced => _announced.Task;

        public override Task WriteLineAsync(string? value)
        {
            if (value is not null && Listening().Match(value) is { Success: true } match)
            {
                _announced.TrySetResult(new Uri(match.Groups["address"].Value));
            }

            return base.WriteLineAsync(value);
        }
    }
}
