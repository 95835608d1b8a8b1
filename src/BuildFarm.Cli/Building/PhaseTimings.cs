using System.Diagnostics;

namespace BuildFarm.Cli.Building;

/// <summary>
/// Where a <c>farm build</c>'s wall time goes, phase by phase, written to stderr when
/// <c>FARM_TIMINGS</c> is set: the client's own share of a warm build is measured with it
/// (see the monorepo notes). Off, it records nothing and prints nothing.
/// </summary>
internal sealed class PhaseTimings
{
    public const string Variable = "FARM_TIMINGS";

    private readonly List<(string Phase, TimeSpan Took, TimeSpan? Cpu)> _phases = [];
    private long _since = Stopwatch.GetTimestamp();
    private TimeSpan _cpuSince = Environment.CpuUsage.TotalTime;

    private PhaseTimings()
    {
    }

    /// <summary>The timings of this run, or null when <c>FARM_TIMINGS</c> is not set.</summary>
    public static PhaseTimings? From(FarmEnvironment environment) =>
        string.IsNullOrEmpty(environment.GetVariable(Variable)) ? null : new PhaseTimings().WithStartUp();

    /// <summary>Ends the phase running since the last mark (or since the command's action began).</summary>
    public void Mark(string phase)
    {
        var now = Stopwatch.GetTimestamp();
        var cpu = Environment.CpuUsage.TotalTime;
        _phases.Add((phase, Stopwatch.GetElapsedTime(_since, now), cpu - _cpuSince));
        _since = now;
        _cpuSince = cpu;
    }

    public async Task WriteAsync(TextWriter error)
    {
        // CPU time as well as wall time: on a busy machine the wall time is mostly waiting for a core.
        foreach (var (phase, took, cpu) in _phases)
        {
            var cpuText = cpu is { } spent ? $"{spent.TotalMilliseconds,8:0.0} ms cpu" : "";
            await error.WriteLineAsync($"farm timing: {phase,-28} {took.TotalMilliseconds,8:0.0} ms {cpuText}").ConfigureAwait(false);
        }
    }

    // From the kernel's start of the process (10 ms ticks) to the command's action: the runtime's
    // start, loading the program and parsing the arguments.
    private PhaseTimings WithStartUp()
    {
        using var self = Process.GetCurrentProcess();
        _phases.Add(("start-up and argument parsing", DateTime.Now - self.StartTime, _cpuSince));
        return this;
    }
}
