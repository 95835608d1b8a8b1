using System.Diagnostics;
using System.Globalization;
using BuildFarm.Benchmarks.Monorepo;
using BuildFarm.Execution;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Steps;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks;

/// <summary>
/// Cold builds through the engine, in process, with layer directories promoted to snapshots and
/// with every snapshot unpacked from its blob (<see cref="ExecutionOptions.PromoteLayerDirectories"/>
/// off, the way before), alternating, each on a fresh data directory with busybox already
/// unpacked: wall time of the build and how many layers were unpacked and promoted.
/// </summary>
public static class SnapshotBenchmark
{
    private const int Rounds = 3;

    public static async Task RunAsync()
    {
        using var scratch = new TempDirectory("buildfarm-snapshot-bench");
        var copyContext = scratch.CreateDirectory("copy-1000");
        WriteCopyContext(copyContext);
        var monorepo = MonorepoCorpus.Generate(scratch.Combine("monorepo")).Root;
        Console.WriteLine($"{Environment.ProcessorCount} cores; median of {Rounds} rounds, promoted and unpacked alternating; load average before: {File.ReadAllText("/proc/loadavg").Trim()}");

        var rows = new List<(string Scenario, string Mode, double Seconds, long Unpacks, long Promotions)>();
        foreach (var (scenario, context) in new[] { ("COPY 1,000 files, 2 RUNs", copyContext), ("monorepo", monorepo) })
        {
            var runs = new Dictionary<bool, List<(double Seconds, long Unpacks, long Promotions)>> { [false] = [], [true] = [] };
            for (var round = 0; round < Rounds; round++)
            {
                foreach (var promote in new[] { false, true })
                {
                    runs[promote].Add(await BuildOnceAsync(context, scratch.Combine($"data-{runs.Sum(pair => pair.Value.Count)}"), promote));
                }
            }

            foreach (var (promote, measured) in runs)
            {
                var median = measured.OrderBy(static run => run.Seconds).ElementAt(Rounds / 2);
                rows.Add((scenario, promote ? "promoted" : "unpacked", median.Seconds, median.Unpacks, median.Promotions));
                Console.WriteLine($"{scenario}, {(promote ? "promoted" : "unpacked")}: {string.Join(", ", measured.Select(static run => run.Seconds.ToString("F2", CultureInfo.InvariantCulture)))} s");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"build",-26} {"snapshots",-9} {"wall s",7} {"unpacks",8} {"promotions",11}");
        foreach (var (scenario, mode, seconds, unpacks, promotions) in rows)
        {
            Console.WriteLine($"{scenario,-26} {mode,-9} {seconds,7:F2} {unpacks,8} {promotions,11}");
        }
    }

    private static async Task<(double Seconds, long Unpacks, long Promotions)> BuildOnceAsync(string context, string dataDirectory, bool promote)
    {
        try
        {
            using var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = dataDirectory });
            var engine = await ExecutionEngine.OpenAsync(store, new ExecutionOptions { PromoteLayerDirectories = promote });
            var busybox = await BusyboxImage.GetAsync();
            await busybox.AddToAsync(store, "docker.io/library/busybox:latest");
            var builds = new BuildEngine(engine, store, new LocalStepCache(new StepRecordStore(Path.Combine(dataDirectory, "steps"))));

            // busybox's snapshot first, outside the timing: both ways unpack it once.
            await builds.BuildAsync(new BuildRequest { ContextDirectory = WriteDockerfile(dataDirectory, "FROM busybox\nRUN true\n") }, static (_, _) => ValueTask.CompletedTask);
            var (unpacks, promotions) = (engine.Snapshots.UnpackCount, engine.Snapshots.PromotionCount);

            var watch = Stopwatch.StartNew();
            await builds.BuildAsync(new BuildRequest { ContextDirectory = context }, static (_, _) => ValueTask.CompletedTask);
            return (watch.Elapsed.TotalSeconds, engine.Snapshots.UnpackCount - unpacks, engine.Snapshots.PromotionCount - promotions);
        }
        finally
        {
            await ProcessRunner.RunCheckedAsync("rm", ["-rf", "--one-file-system", dataDirectory]);
        }
    }

    private static string WriteDockerfile(string dataDirectory, string dockerfile)
    {
        var context = Directory.CreateDirectory(Path.Combine(dataDirectory, "warm-up")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        return context;
    }

    // 1,000 files of 1 to 8 KB in 20 directories, then two steps that each read the layer below.
    private static void WriteCopyContext(string root)
    {
        var random = new XorShift(0x5EED);
        for (var i = 0; i < 1000; i++)
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, "files", $"d{i % 20:D2}")).FullName;
            var content = new byte[1024 + random.Next(7168)];
            random.Fill(content);
            File.WriteAllBytes(Path.Combine(directory, $"f{i:D4}.bin"), content);
        }

        File.WriteAllText(Path.Combine(root, "Dockerfile"), "FROM busybox\nCOPY files /files\nRUN find /files -type f | wc -l > /count\nRUN cat /count /files/d00/* | wc -c > /bytes\n");
    }
}
