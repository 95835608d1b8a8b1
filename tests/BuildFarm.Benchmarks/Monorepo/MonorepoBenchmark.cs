using System.Diagnostics;
using System.Globalization;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks.Monorepo;

/// <summary>
/// <c>farm build</c> against <c>buildah bud --layers</c> on the same monorepo corpus, scenario by
/// scenario in one run: cold (both caches empty), warm (nothing changed), one app file edited, one
/// library file edited. Each scenario is one wall-clock run of each tool, buildah first.
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
        new("cold", 0.3, static _ => { }, RunFrom(1, ["base", "lib", .. AppStages, MonorepoCorpus.FinalStage])),
        new("warm", 0.05, static _ => { }, new Dictionary<string, int>()),
        // The edited app's own sources (step 3) and the final stage from that app's artifact (step 3).
        new("app edit", 0.2, static corpus => corpus.EditApp(1), RunFrom(3, [$"app-{MonorepoCorpus.EditedApp}", MonorepoCorpus.FinalStage])),
        // The library's sources (step 2), every app from the library's artifact (step 2), the final stage from the first app's artifact.
        new("lib edit", 0.3, static corpus => corpus.EditLibrary(1), RunFrom(2, ["lib", .. AppStages, MonorepoCorpus.FinalStage])),
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
        Console.WriteLine($"the RUN commands alone, one after another in a chroot: {runAlone.Sum(run => run.Seconds):F2} s ({string.Join(", ", runAlone.Select(run => $"{run.Stage} {run.Seconds:F2}"))})");

        using var buildah = await Buildah.CreateAsync();
        await buildah.AddImageAsync(busybox.LayoutDirectory, BusyboxImage.RefName, "docker.io/library/busybox:latest");
        var dataDirectory = scratch.CreateDirectory("farm-data");
        await using var server = await farm.StartServerAsync(dataDirectory);
        await farm.LoadAsync(server, busybox.ArchivePath);

        var rows = new List<(Scenario Scenario, double Buildah, FarmBuild Farm, string Load)>();
        foreach (var scenario in Scenarios)
        {
            scenario.Change(corpus);
            var load = LoadAverage();
            var watch = Stopwatch.StartNew();
            await buildah.BuildInStorageAsync(new BuildahBuild(corpus.Root));
            var buildahSeconds = watch.Elapsed.TotalSeconds;
            var build = await farm.BuildAsync(server, dataDirectory, corpus.Root, scratch.Combine($"{scenario.Name.Replace(' ', '-')}.metadata.json"), "monorepo:bench");
            rows.Add((scenario, buildahSeconds, build, load));
            Console.WriteLine($"{scenario.Name}: buildah {buildahSeconds:F2} s, farm {build.Seconds:F2} s (load average before: {load})");
        }

        Console.WriteLine();
        Console.WriteLine($"{"scenario",-10} {"buildah s",10} {"farm s",8} {"farm/buildah",13} {"target",7}  {"",6}  {"steps run as expected",-22}");
        var allMet = true;
        foreach (var (scenario, buildahSeconds, build, _) in rows)
        {
            var ratio = build.Seconds / buildahSeconds;
            var met = ratio <= scenario.Target;
            var expected = RanAsExpected(scenario, build);
            allMet &= met && expected;
            Console.WriteLine($"{scenario.Name,-10} {buildahSeconds,10:F2} {build.Seconds,8:F2} {ratio,13:F3} {scenario.Target,7:F2}  {(met ? "met" : "MISSED"),6}  {(expected ? "yes" : "NO"),-22}");
        }

        Console.WriteLine();
        Console.WriteLine("where the farm's time went, from its events' timestamps (s since `farm build` started):");
        Console.WriteLine($"{"scenario",-10} {"to first event",15} {"build (events)",15} {"to exit",8}");
        foreach (var (scenario, _, build, _) in rows)
        {
            Console.WriteLine($"{scenario.Name,-10} {build.FirstEvent,15:F2} {build.LastEvent - build.FirstEvent,15:F2} {build.Seconds - build.LastEvent,8:F2}");
        }

        Console.WriteLine();
        Console.WriteLine("farm steps per scenario (outcomes from --metadata-file buildfarm.steps, times from the events):");
        foreach (var (scenario, _, build, _) in rows)
        {
            var ran = build.Steps.Where(step => step.Ran).ToList();
            var cached = build.Steps.Count(step => step.Outcome == "cached");
            Console.WriteLine($"  {scenario.Name}: {cached} cached, {build.Steps.Count - ran.Count - cached} config only, {ran.Count} ran (started -> finished, s since `farm build` started):");
            foreach (var step in ran)
            {
                var time = step.Outcome == "joined"
                    ? "joined another build's run "
                    : $"{step.Started,6:F2} -> {step.Finished,6:F2} = {step.Finished - step.Started,5:F2} s";
                Console.WriteLine($"    {time}  {step.Name}");
            }
        }

        return allMet;
    }

    // Steps with nothing to run (ENV, ...) count neither way.
    private static bool RanAsExpected(Scenario scenario, FarmBuild build) =>
        build.Steps.Where(step => step.Outcome != "config").All(step =>
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

    private static string LoadAverage() =>
        string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private sealed record Scenario(string Name, double Target, Action<MonorepoCorpus> Change, IReadOnlyDictionary<string, int> RunsFrom);
}
