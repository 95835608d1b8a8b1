using Microsoft.Extensions.Options;

namespace BuildFarm.Grains.Hosting;

/// <summary>Settings of the farm that hold for the whole cluster (<c>farm server</c> options).</summary>
public sealed class BuildFarmClusterOptions
{
    /// <summary>How many silos hold each layer a step makes before its result counts as recorded (<c>--replicas</c>).</summary>
    public int Replicas { get; set; } = 2;

    /// <summary>
    /// How long a claim to run a step lasts without being renewed. The running silo renews it a
    /// third of this apart, so three missed renewals (a dead silo) let the next claimer run the step.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Refuses cluster options that cannot work, naming the setting.</summary>
public sealed class BuildFarmClusterOptionsValidator : IValidateOptions<BuildFarmClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, BuildFarmClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Replicas < 1)
        {
            failures.Add($"Replicas must be at least 1 (got {options.Replicas}).");
        }

        if (options.ClaimLease < TimeSpan.FromSeconds(1))
        {
            failures.Add($"ClaimLease must be at least 1 s (got {options.ClaimLease}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
