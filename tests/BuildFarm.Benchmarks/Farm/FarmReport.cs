namespace BuildFarm.Benchmarks.Farm;

/// <summary>The parts of a benchmark's report that say where each <c>farm build</c>'s time went, whatever was built.</summary>
public static class FarmReport
{
    /// <summary>One line per build: its <see cref="FarmPhases"/>, and the CLI's bare start-up to read the first against.</summary>
    public static void PrintPhases(IEnumerable<(string Label, FarmBuild Build)> builds, double startupSeconds)
    {
        ArgumentNullException.ThrowIfNull(builds);
        Console.WriteLine("where the farm's time went, s (from the server's request log and the build's events, measured outside the CLI):");
        Console.WriteLine($"  start+walk: process start to the first call, of which the CLI's start-up alone (`farm --version`) is {startupSeconds:F2} s");
        Console.WriteLine($"{"build",-20} {"wall",6} {"start+walk",11} {"find missing",13} {"upload",7} {"submit+plan",12} {"build",7} {"to exit",8}");
        foreach (var (label, build) in builds)
        {
            var phases = FarmPhases.Of(build);
            Console.WriteLine(
                $"{label,-20} {build.Seconds,6:F2} {phases.ToFirstCall,11:F2} {phases.FindMissing,13:F2} {phases.Upload,7:F2} {phases.SubmitToFirstEvent,12:F2} {phases.Build,7:F2} {phases.ToExit,8:F2}");
        }
    }

    /// <summary>Each build's step outcomes (from <c>--metadata-file</c>) and what each step that ran took (from its events).</summary>
    public static void PrintSteps(IEnumerable<(string Label, FarmBuild Build)> builds)
    {
        ArgumentNullException.ThrowIfNull(builds);
        Console.WriteLine("farm steps per build (outcomes from --metadata-file buildfarm.steps, times from the events):");
        foreach (var (label, build) in builds)
        {
            var ran = build.Steps.Where(step => step.Ran).ToList();
            var cached = build.Steps.Count(step => step.Cached);
            Console.WriteLine($"  {label}: {cached} cached, {build.Steps.Count(step => step.ConfigOnly)} config only, {ran.Count} ran (started -> finished, s since `farm build` started):");
            foreach (var step in ran)
            {
                var time = step.Outcome == "joined"
                    ? "joined another build's run "
                    : $"{step.Started,6:F2} -> {step.Finished,6:F2} = {step.Seconds,5:F2} s";
                Console.WriteLine($"    {time}  {step.Name}");
            }
        }
    }
}
