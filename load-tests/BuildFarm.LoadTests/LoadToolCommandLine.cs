using System.CommandLine;
using BuildFarm.LoadTests.Bench;
using BuildFarm.LoadTests.Farm;
using BuildFarm.LoadTests.Load;

namespace BuildFarm.LoadTests;

/// <summary>
/// <c>farm-load</c>'s commands: <c>load</c> (the bounded load mode) and <c>bench</c> (the cluster
/// benchmarks). Both send traffic only to the <c>--server</c> addresses given, loopback unless
/// <c>--allow-remote</c>. Tests run it in process.
/// </summary>
public static class LoadToolCommandLine
{
    /// <summary>The longest load run: the mode must stop by itself, soon enough to be watched.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    public const int MaxClients = 256;

    public static RootCommand Create()
    {
        var root = new RootCommand("Load and benchmark tool for BuildFarm clusters (load-tests/README.md).");
        root.Subcommands.Add(CreateLoad());
        root.Subcommands.Add(CreateBench());
        return root;
    }

    private static Command CreateLoad()
    {
        var shared = new SharedOptions();
        var clients = new Option<int>("--clients") { Description = $"Clients building at once (1 to {MaxClients}).", DefaultValueFactory = _ => 4 };
        var duration = new Option<int>("--duration") { Description = $"Seconds during which clients start builds (1 to {MaxDuration.TotalSeconds:0}); builds in flight then finish.", DefaultValueFactory = _ => 30 };
        var mix = new Option<string>("--mix") { Description = "How often each kind of build is picked, KIND=WEIGHT,...: cold (every step runs), warm (all hits), edited (one app file changed).", DefaultValueFactory = _ => "cold=1,warm=3,edited=2" };
        clients.Validators.Add(result => CheckRange(result, 1, MaxClients));
        duration.Validators.Add(result => CheckRange(result, 1, (int)MaxDuration.TotalSeconds));
        mix.Validators.Add(static result =>
        {
            try
            {
                BuildMix.Parse(result.GetValueOrDefault<string>());
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
            }
        });
        var command = new Command("load", "Run N clients sending a mix of cold, warm and edited builds for T seconds; print throughput, build time percentiles, errors and the cache hit ratio. Exits 1 when a build failed.")
        {
            clients, duration, mix,
        };
        shared.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) => await shared.RunAsync(parseResult, async (servers, work) =>
        {
            var settings = new LoadSettings(servers, parseResult.GetValue(clients), TimeSpan.FromSeconds(parseResult.GetValue(duration)), BuildMix.Parse(parseResult.GetValue(mix)!), shared.BuildTimeout(parseResult), work, parseResult.GetValue(shared.BusyboxArchive));
            var report = await LoadRun.RunAsync(settings, parseResult.InvocationConfiguration.Error, cancellationToken).ConfigureAwait(false);
            await report.WriteAsync(parseResult.InvocationConfiguration.Output).ConfigureAwait(false);
            return report.Errors == 0 ? 0 : 1;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command CreateBench()
    {
        var shared = new SharedOptions();
        var single = new Option<string?>("--single") { Description = "A farm of one silo with one slot, for the spread scenario's comparison (default: twelve builds' steps one after another, the least one slot could take)." };
        var emptyStore = new Option<string?>("--empty-store-command") { Description = "A shell command that empties the second server's store between the cold and the warm build of the elsewhere scenario, as `deploy/local-cluster.sh empty 2`." };
        var scenarios = new Option<string[]>("--scenario") { Description = "identical, elsewhere or spread; repeatable (default: all three).", AllowMultipleArgumentsPerToken = true };
        scenarios.AcceptOnlyFromAmong(BenchRun.ScenarioNames.ToArray());
        var command = new Command("bench", "Run the cluster benchmarks against the given silos and print the figures and their ratios against the targets.")
        {
            single, emptyStore, scenarios,
        };
        shared.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) => await shared.RunAsync(parseResult, async (servers, work) =>
        {
            var singleServer = parseResult.GetValue(single) is { } address ? FarmTargets.Parse([address], parseResult.GetValue(shared.AllowRemote), "--single")[0] : null;
            var chosen = parseResult.GetValue(scenarios) is { Length: > 0 } names ? names : BenchRun.ScenarioNames.ToArray();
            var settings = new BenchSettings(servers, singleServer, parseResult.GetValue(emptyStore), shared.BuildTimeout(parseResult), work, parseResult.GetValue(shared.BusyboxArchive));
            return await BenchRun.RunAsync(settings, chosen, parseResult.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false));
        return command;
    }

    private static void CheckRange(System.CommandLine.Parsing.OptionResult result, int min, int max)
    {
        var value = result.GetValueOrDefault<int>();
        if (value < min || value > max)
        {
            result.AddError($"{result.Option.Name} {value} is out of range: give {min} to {max}");
        }
    }

    /// <summary>The options both commands take, and what they resolve to.</summary>
    private sealed class SharedOptions
    {
        public Option<string[]> Servers { get; } = new("--server")
        {
            Description = "A farm server's gRPC address, http://HOST:PORT; repeatable, one per silo. Loopback only unless --allow-remote.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };

        public Option<bool> AllowRemote { get; } = new("--allow-remote") { Description = "Allow --server addresses that are not loopback: only for a farm you run on a network you own." };

        public Option<string?> BusyboxArchive { get; } = new("--busybox-archive") { Description = "The busybox OCI archive to load into farms that lack busybox (default: made by deploy/base-images/busybox.sh)." };

        public Option<int> BuildTimeoutSeconds { get; } = new("--build-timeout") { Description = "Seconds one build may take before it counts as an error and is cancelled.", DefaultValueFactory = _ => 300 };

        public Option<string?> WorkDirectory { get; } = new("--work-dir") { Description = "Where generated contexts are written (default: a temporary directory, deleted at the end)." };

        public void AddTo(Command command)
        {
            command.Options.Add(Servers);
            command.Options.Add(AllowRemote);
            command.Options.Add(BusyboxArchive);
            command.Options.Add(BuildTimeoutSeconds);
            command.Options.Add(WorkDirectory);
            BuildTimeoutSeconds.Validators.Add(result => CheckRange(result, 1, (int)MaxDuration.TotalSeconds));
        }

        public TimeSpan BuildTimeout(ParseResult parseResult) => TimeSpan.FromSeconds(parseResult.GetValue(BuildTimeoutSeconds));

        /// <summary>Checks the addresses, makes the work directory, runs <paramref name="run"/>; a refused address or a failed warm-up is an error line and exit code 2.</summary>
        public async Task<int> RunAsync(ParseResult parseResult, Func<IReadOnlyList<Uri>, string, Task<int>> run)
        {
            var error = parseResult.InvocationConfiguration.Error;
            IReadOnlyList<Uri> servers;
            try
            {
                servers = FarmTargets.Parse(parseResult.GetValue(Servers)!, parseResult.GetValue(AllowRemote));
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync($"Error: {e.Message}").ConfigureAwait(false);
                return 2;
            }

            var given = parseResult.GetValue(WorkDirectory);
            var work = given is null ? Directory.CreateTempSubdirectory("farm-load-").FullName : Directory.CreateDirectory(given).FullName;
            try
            {
                return await run(servers, work).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or Grpc.Core.RpcException or IOException)
            {
                await error.WriteLineAsync($"Error: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            finally
            {
                if (given is null)
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
    }
}
