using System.Diagnostics;
using BuildFarm.Benchmarks.Farm;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks.Scale;

/// <summary>
/// <c>farm build</c> against <c>buildah bud --layers</c> on contexts of N small files
/// (<see cref="ScaleCorpus"/>), for each N in one run: cold, warm (nothing changed) and one file's
/// content changed, each one wall-clock run of each tool, buildah first. Every N gets a fresh
/// buildah storage and a fresh farm data directory and server, so cold is cold for both.
/// </summary>
public sealed class ScaleBenchmark(FarmCli farm)
{
    /// <summary>What the issue measured: a thousand files to fifty thousand.</summary>
    public static readonly int[] DefaultFileCounts = [1_000, 10_000, 50_000];

    private const string CopyStep = "[2/3] COPY src/ /src/";
    private const string RunStep = "[3/3] RUN find /src -type f | wc -l > /count";

    /// <summary>
    /// The scenarios in the order they run: the change each makes, the target farm/buildah ratio at
    /// every N, and whether COPY and RUN must run (true) or be cache hits (false): a changed file
    /// changes what COPY reads, and RUN's parent with it.
    /// </summary>
    private static readonly Scenario[] Scenarios =
    [
        new("cold", 0.5, static _ => { }, Runs: true),
        new("warm", 0.1, static _ => { }, Runs: false),
        new("one-file edit", 0.25, static corpus => corpus.EditOneFile(1), Runs: true),
    ];

    public async Task<bool> RunAsync(IReadOnlyList<int> fileCounts)
    {
        ArgumentNullException.ThrowIfNull(fileCounts);
        Console.WriteLine($"buildah: {(await ProcessRunner.RunCheckedAsync("buildah", ["--version"])).Trim()}; farm: {farm.Program}; {Environment.ProcessorCount} cores");
        Console.WriteLine($"load average at the start: {SystemLoad.Averages()}");
        var busybox = await BusyboxImage.GetAsync();
        var startup = await farm.StartupSecondsAsync();

        var rows = new List<Row>();
        foreach (var files in fileCounts)
        {
            rows.AddRange(await RunAsync(files, busybox));
        }

        Console.WriteLine($"load average at the end: {SystemLoad.Averages()}");
        Console.WriteLine();
        Console.WriteLine($"{"files",7} {"scenario",-14} {"buildah s",10} {"farm s",8} {"farm/buildah",13} {"target",7}  {"",6}  {"steps as expected",-17}");
        var allMet = true;
        foreach (var row in rows)
        {
            var ratio = row.Farm.Seconds / row.Buildah;
            var met = ratio <= row.Scenario.Target;
            var expected = RanAsExpected(row.Scenario, row.Farm);
            allMet &= met && expected;
            Console.WriteLine(
                $"{row.Files,7} {row.Scenario.Name,-14} {row.Buildah,10:F2} {row.Farm.Seconds,8:F2} {ratio,13:F3} {row.Scenario.Target,7:F2}  {(met ? "met" : "MISSED"),6}  {(expected ? "yes" : "NO"),-17}");
        }

        var builds = rows.Select(row => (row.Label, row.Farm)).ToList();
        Console.WriteLine();
        FarmReport.PrintPhases(builds, startup);
        Console.WriteLine();
        FarmReport.PrintSteps(builds);
        return allMet;
    }

    private async Task<List<Row>> RunAsync(int files, BusyboxImage busybox)
    {
        using var scratch = new TempDirectory($"buildfarm-scale-{files}");
        var watch = Stopwatch.StartNew();
        var corpus = ScaleCorpus.Generate(scratch.Combine("context"), files);
        Console.WriteLine($"{files} files: generated in {watch.Elapsed.TotalSeconds:F2} s at {corpus.Root}");

        using var buildah = await Buildah.CreateAsync();
        await buildah.AddImageAsync(busybox.LayoutDirectory, BusyboxImage.RefName, "docker.io/library/busybox:latest");
        var dataDirectory = scratch.CreateDirectory("farm-data");
        await using var server = await farm.StartServerAsync(dataDirectory);
        await farm.LoadAsync(server, busybox.ArchivePath);

        var rows = new List<Row>();
        foreach (var scenario in Scenarios)
        {
            scenario.Change(corpus);
            var load = SystemLoad.Averages();
            watch.Restart();
            await buildah.BuildInStorageAsync(new BuildahBuild(corpus.Root));
            var buildahSeconds = watch.Elapsed.TotalSeconds;
            var build = await farm.BuildAsync(server, dataDirectory, corpus.Root, scratch.Combine($"{scenario.Name.Replace(' ', '-')}.metadata.json"), "scale:bench");
            rows.Add(new Row(files, scenario, buildahSeconds, build));
            Console.WriteLine($"{files} files, {scenario.Name}: buildah {buildahSeconds:F2} s, farm {build.Seconds:F2} s (load average before: {load})");
        }

        // What the server keeps after building the context three times: nothing per file should outlive a build.
        var (now, peak) = server.ResidentMebibytes();
        Console.WriteLine($"{files} files: farm server resident memory after the builds {now:F0} MiB (peak {peak:F0} MiB)");

        return rows;
    }

    // Exactly the two steps, each with the outcome the scenario calls for.
    private static bool RanAsExpected(Scenario scenario, FarmBuild build) =>
        build.Steps.Select(step => step.Name).SequenceEqual([CopyStep, RunStep])
        && build.Steps.All(step => scenario.Runs ? step.Outcome == "ran" : step.Cached);

    private sealed record Scenario(string Name, double Target, Action<ScaleCorpus> Change, bool Runs);

    private sealed record Row(int Files, Scenario Scenario, double Buildah, FarmBuild Farm)
    {
        public string Label => $"{Files} {Scenario.Name}";
    }
}
