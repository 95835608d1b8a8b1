using System.Globalization;

namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>What one RUN step may use; 0 leaves a resource unlimited.</summary>
internal sealed record StepLimits(long MemoryBytes, long Pids, double Cpus)
{
    public static StepLimits From(ExecutionOptions options) => new(options.StepMemoryBytes, options.StepPids, options.StepCpus);

    public bool Any => MemoryBytes > 0 || Pids > 0 || Cpus > 0;

    /// <summary>A size as a person reads it: whole GiB, MiB or KiB where exact, else bytes.</summary>
    public static string Describe(long bytes) => bytes switch
    {
        _ when bytes >= 1L << 30 && bytes % (1L << 30) == 0 => Whole(bytes >> 30, "GiB"),
        _ when bytes >= 1L << 20 && bytes % (1L << 20) == 0 => Whole(bytes >> 20, "MiB"),
        _ when bytes >= 1L << 10 && bytes % (1L << 10) == 0 => Whole(bytes >> 10, "KiB"),
        _ => Whole(bytes, "bytes"),
    };

    private static string Whole(long count, string unit) => count.ToString(CultureInfo.InvariantCulture) + " " + unit;
}
