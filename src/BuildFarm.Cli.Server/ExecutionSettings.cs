using System.CommandLine;
using System.Globalization;
using BuildFarm.Cli.Commands;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution;

namespace BuildFarm.Cli.Server;

/// <summary>
/// How steps run: the limits of each RUN step from <c>--step-memory</c>, <c>--step-pids</c> and
/// <c>--step-cpus</c>, and the bound of cache mounts from <c>--cache-mount-storage</c>, else
/// <c>$FARM_STEP_MEMORY</c>, <c>$FARM_STEP_PIDS</c>, <c>$FARM_STEP_CPUS</c> and
/// <c>$FARM_CACHE_MOUNT_STORAGE</c>, else <see cref="ExecutionOptions"/>' defaults.
/// </summary>
internal static class ExecutionSettings
{
    public static ExecutionOptions Resolve(ParseResult parseResult, ServerOptions options, FarmEnvironment environment)
    {
        var execution = new ExecutionOptions();
        if (ServerSetting.Of(parseResult, options.StepMemory, "FARM_STEP_MEMORY", environment) is { } memory)
        {
            execution.StepMemoryBytes = RamSize.Parse(memory.Value) ?? throw memory.Invalid("a size (512m, 4g; 0 for no limit)");
        }

        if (ServerSetting.Of(parseResult, options.StepPids, "FARM_STEP_PIDS", environment) is { } pids)
        {
            execution.StepPids = long.TryParse(pids.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : throw pids.Invalid("a count of processes (0 for no limit)");
        }

        if (ServerSetting.Of(parseResult, options.StepCpus, "FARM_STEP_CPUS", environment) is { } cpus)
        {
            execution.StepCpus = double.TryParse(cpus.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var share) ? share : throw cpus.Invalid("a number of CPUs (1.5; 0 for no limit)");
        }

        if (ServerSetting.Of(parseResult, options.CacheMountStorage, "FARM_CACHE_MOUNT_STORAGE", environment) is { } storage)
        {
            execution.CacheMountsMaxBytes = RamSize.Parse(storage.Value) ?? throw storage.Invalid("a size (20g; 0 for no bound)");
        }

        try
        {
            execution.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FarmException(e.Message);
        }

        return execution;
    }
}
