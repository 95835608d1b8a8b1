using System.Diagnostics;
using System.Globalization;
using BuildFarm.Benchmarks.Farm;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks.Monorepo;

/// <summary>
/// <c>farm build</c> against <c>buildah bud --layers</c> on the same monorepo corpus, scenario by
/// scenario in one run: cold (both caches empty), warm (nothing changed), one app file edited, one
/// library file edited. Each scenario is one wall-clock run of each tool, buildah first. Each farm
/// build is also set against its floor, the critical path of the RUN commands it ran (<see cref="CriticalPath"/>):
/// what is above it is the farm's own overhead.
/// </summary>
public sealed class MonorepoBenchmark(FarmCli farm)
{
    private static readonly string[] AppStages = [.. MonorepoCorpus.Apps.Select(app => $"app-{app}")];

    /// <summary>
    /// The scenarios in the order they run: the change each makes to the corpus, the target
    /// farm/buildah ratio, and from which step on each stage must re-run (BuildKit's rules: a step
    /// re-runs when what it reads changed or its parent re-ran; every other step is a hit).
    /// </summary>
    private static readonly Scenario[] Scenarios =
    [
        new("cold", 0.4, static _ => { }, RunFrom(1, ["base", "lib", .. AppStages, MonorepoCorpus.FinalStage])),
        new("warm", 0.1, static _ => { }, new Dictionary<string, int>()),
        // Steps are numbered as BuildKit names them: a stage FROM another stage starts at its first
        // instruction, one FROM an image counts the FROM as step 1 (the final stage, FROM busybox).
        // The edited app's own sources (its step 2) and the final stage from that app's artifact (step 3).
        new("app edit", 0.12, static corpus => corpus.EditApp(1), new Dictionary<string, int>
        {
            [$"app-{MonorepoCorpus.EditedApp}"] = 2,
            [MonorepoCorpus.FinalStage] = 3,
        }),
        // The library's sources (its step 1), every app from the library's artifact (step 1), the
        // final stage from the first app's artifact (step 2).
        new("lib edit", 0.45, static corpus => corpus.EditLibrary(1), new Dictionary<string, int>(RunFrom(1, ["lib", .. AppStages]))
        {
            [MonorepoCorpus.FinalStage] = 2,
        }),
    ];

    private static Dictionary<string, int> RunFrom(int step, string[] stages) => stages.ToDictionary(stage => stage, _ => step);

    public async Task<bool> RunAsync()
    {
        using var scratch = new TempDirectory("buildfarm-monorepo");
        var corpus = MonorepoCorpus.Generate(scratch.Combine("context"));
        Console.WriteLine($"corpus: {corpus.Root}, {corpus.FileCount} files; {Environment.ProcessorCount} cores");
        Console.WriteLine($"buildah: {(await ProcessRunner.RunCheckedAsync("buildah", ["--version"])).Trim()}; farm: {farm.Program}");

        var busybox = await BusyboxImage.GetAsync();
        var runAlone = await RunCommandsAlone.MeasureAsync(corpus, scratch.CreateDirectory("run-alone"));
        var runSeconds = runAlone.ToDictionary(run => run.Stage, run => run.Seconds, StringComparer.Ordinal);
        Console.WriteLine($"the RUN commands alone, one after another in a chroot: {runAlone.Sum(run => run.Seconds):F2} s ({string.Join(", ", runAlone.Select(run => $"{run.Stage} {run.Seconds:F2}"))})");
        var startup = await farm.StartupSecondsAsync();

        using var buildah = await Buildah.CreateAsync();
        await buildah.AddImageAsync(busybox.LayoutDirectory, BusyboxImage.RefName, "docker.io/library/busybox:latest");
        var dataDirectory = scratch.CreateDirectory("farm-data");
        await using var server = await farm.StartServerAsync(dataDirectory);
        await farm.LoadAsync(server, busybox.ArchivePath);

        var rows = new List<(Scenario Scenario, double Buildah, FarmBuild Farm)>();
        foreach (var scenario in Scenarios)
        {
            scenario.Change(corpus);
            var load = SystemLoad.Averages();
            var watch = Stopwatch.StartNew();
            await buildah.BuildInStorageAsync(new BuildahBuild(corpus.Root));
            var buildahSeconds = watch.Elapsed.TotalSeconds;
            var build = await farm.BuildAsync(server, dataDirectory, corpus.Root, scratch.Combine($"{scenario.Name.Replace(' ', '-')}.metadata.json"), "monorepo:bench");
            rows.Add((scenario, buildahSeconds, build));
            Console.WriteLine($"{scenario.Name}: buildah {buildahSeconds:F2} s, farm {build.Seconds:F2} s (load average before: {load})");
        }

        Console.WriteLine($"load average after: {SystemLoad.Averages()}");
        Console.WriteLine();
        Console.WriteLine("critical path: the longest chain of dependent RUN commands the farm ran, each at its cost alone; overhead: farm - critical path");
        Console.WriteLine($"{"scenario",-10} {"buildah s",10} {"farm s",8} {"farm/buildah",13} {"target",7}  {"",6}  {"critical path s",16} {"overhead s",11}  {"steps run as expected",-22}");
        var allMet = true;
        foreach (var (scenario, buildahSeconds, build) in rows)
        {
            var ratio = build.Seconds / buildahSeconds;
            var met = ratio <= scenario.Target;
            var expected = RanAsExpected(scenario, build);
            var criticalPath = CriticalPath.Seconds(MonorepoCorpus.RunInputs, runSeconds, stage => RanItsRun(build, stage));
            allMet &= met && expected;
            Console.WriteLine(
                $"{scenario.Name,-10} {buildahSeconds,10:F2} {build.Seconds,8:F2} {ratio,13:F3} {scenario.Target,7:F2}  {(met ? "met" : "MISSED"),6}  {criticalPath,16:F2} {build.Seconds - criticalPath,11:F2}  {(expected ? "yes" : "NO"),-22}");
        }

        var builds = rows.Select(row => (row.Scenario.Name, row.Farm)).ToList();
        Console.WriteLine();
        FarmReport.PrintPhases(builds, startup);
        Console.WriteLine();
        FarmReport.PrintSteps(builds);
        return allMet;
    }

    private static bool RanItsRun(FarmBuild build, string stage) =>
        build.Steps.Any(step => step.Ran && Position(step).Stage == stage && step.Name.Contains("] RUN ", StringComparison.Ordinal));

    // Steps with nothing to run (ENV, ...) count neither way.
    private static bool RanAsExpected(Scenario scenario, FarmBuild build) =>
        build.Steps.Where(step => !step.ConfigOnly).All(step =>
        {
            var (stage, number) = Position(step);
            return step.Ran == (scenario.RunsFrom.TryGetValue(stage, out var first) && number >= first);
        });

    // "[app-b 3/4] RUN ..." -> ("app-b", 3)
    private static (string Stage, int Number) Position(FarmStep step)
    {
        var space = step.Name.IndexOf(' ', StringComparison.Ordinal);
        var slash = step.Name.IndexOf('/', space);
        return (step.Name[1..space], int.Parse(step.Name.AsSpan(space + 1, slash - space - 1), CultureInfo.InvariantCulture));
    }

    private sealed record Scenario(string Name, double Target, Action<MonorepoCorpus> Change, IReadOnlyDictionary<string, int> RunsFrom);
}
