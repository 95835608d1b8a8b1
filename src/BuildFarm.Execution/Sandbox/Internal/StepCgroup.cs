using System.Globalization;
using BuildFarm.Execution.Internal;
using Microsoft.Win32.SafeHandles;

namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>
/// The cgroup that bounds one RUN step: memory (swap included), processes and CPU time, in the
/// cgroup v1 hierarchies these hosts mount under <c>/sys/fs/cgroup/&lt;controller&gt;</c>.
/// </summary>
/// <remarks>
/// runc is given a cgroup below this one and removes its own when the container ends, taking
/// the counters with it; the limits and the counters that tell which was hit live one level up,
/// in this cgroup, which the engine creates and removes. cgroup v1 counts an OOM kill and a
/// refused fork only in the cgroup of the process concerned, runc's (<c>memory.oom_control</c>'s
/// <c>oom_kill</c>, <c>pids.events</c>), so they are learnt otherwise: an eventfd registered on
/// this cgroup's <c>memory.oom_control</c> before the step starts, which the kernel signals
/// whenever this cgroup runs out of memory; and this cgroup's <c>pids.peak</c>, which counts
/// its descendants and reaches the limit when a fork past it could be refused.
/// </remarks>
internal sealed class StepCgroup : IDisposable
{
    private const long CfsPeriodMicroseconds = 100_000;

    private readonly string _path;
    private readonly StepLimits _limits;
    private readonly SafeFileHandle? _oomEvents;

    private StepCgroup(string path, StepLimits limits, SafeFileHandle? oomEvents)
    {
        _path = path;
        _limits = limits;
        _oomEvents = oomEvents;
    }

    /// <summary>The cgroup for runc (<c>linux.cgroupsPath</c>): a child of this one, which runc creates and removes.</summary>
    public string RuntimePath => _path + "/step";

    /// <summary>Creates the cgroup <paramref name="path"/> (absolute within each hierarchy) with <paramref name="limits"/>.</summary>
    public static StepCgroup Create(string path, StepLimits limits)
    {
        SafeFileHandle? oomEvents = null;
        try
        {
            if (limits.MemoryBytes > 0)
            {
                var memory = CgroupHierarchies.Create("memory", path);
                Write(memory, "memory.limit_in_bytes", limits.MemoryBytes);
                if (File.Exists(Path.Combine(memory, "memory.memsw.limit_in_bytes")))
                {
                    Write(memory, "memory.memsw.limit_in_bytes", limits.MemoryBytes); // no swap beyond the limit
                }

                oomEvents = WatchOutOfMemory(memory);
            }

            if (limits.Pids > 0)
            {
                Write(CgroupHierarchies.Create("pids", path), "pids.max", limits.Pids);
            }

            if (limits.Cpus > 0)
            {
                var cpu = CgroupHierarchies.Create("cpu", path);
                Write(cpu, "cpu.cfs_period_us", CfsPeriodMicroseconds);
                Write(cpu, "cpu.cfs_quota_us", (long)Math.Ceiling(limits.Cpus * CfsPeriodMicroseconds));
            }

            return new StepCgroup(path, limits, oomEvents);
        }
        catch
        {
            oomEvents?.Dispose();
            CgroupHierarchies.Remove(path);
            throw;
        }
    }

    /// <summary>
    /// After the step: which limit it went over, if any. An OOM kill always counts (a script may
    /// carry on past a killed process, on output that is now partial); reaching the process limit
    /// counts when the step failed, as a refused fork makes it.
    /// </summary>
    public string? LimitExceeded(int exitCode)
    {
        if (_oomEvents is not null && LinuxCalls.TakeEventCount(_oomEvents) > 0)
        {
            return $"ran out of memory (the step's limit is {StepLimits.Describe(_limits.MemoryBytes)}; the kernel killed a process over it)";
        }

        var peak = Path.Combine(CgroupHierarchies.PathIn("pids", _path), "pids.peak");
        if (exitCode != 0 && _limits.Pids > 0 && File.Exists(peak) && long.Parse(File.ReadAllText(peak), CultureInfo.InvariantCulture) >= _limits.Pids)
        {
            return $"reached its process limit (the step may run {_limits.Pids.ToString(CultureInfo.InvariantCulture)} processes and threads at once)";
        }

        return null;
    }

    public void Dispose()
    {
        _oomEvents?.Dispose();
        CgroupHierarchies.Remove(_path);
    }

    private static SafeFileHandle WatchOutOfMemory(string memory)
    {
        var events = LinuxCalls.CreateEventCounter();
        try
        {
            using var control = File.OpenHandle(Path.Combine(memory, "memory.oom_control"));
            File.WriteAllText(
                Path.Combine(memory, "cgroup.event_control"),
                FormattableString.Invariant($"{events.DangerousGetHandle()} {control.DangerousGetHandle()}"));
            return events;
        }
        catch
        {
            events.Dispose();
            throw;
        }
    }

    private static void Write(string cgroup, string file, long value) =>
        File.WriteAllText(Path.Combine(cgroup, file), value.ToString(CultureInfo.InvariantCulture));
}
