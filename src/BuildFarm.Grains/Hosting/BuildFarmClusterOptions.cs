using Microsoft.Extensions.Options;

namespace BuildFarm.Grains.Hosting;

/// <summary>What the farm's grains need to know about the cluster they run in.</summary>
public sealed class BuildFarmClusterOptions
{
    /// <summary>
    /// How many silos hold each layer and image before a step's result counts as recorded, so that
    /// losing a silo loses no cache entry (fewer when the cluster has fewer silos).
    /// </summary>
    public int Replicas { get; set; } = 2;

    /// <summary>
    /// How long a claim to run a step lasts without being renewed. The running silo renews it a
    /// third of this apart, so three missed renewals (a dead silo) let the next claimer run the step.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Checks <see cref="BuildFarmClusterOptions"/> when the silo starts.</summary>
public sealed class BuildFarmClusterOptionsValidator : IValidateOptions<BuildFarmClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, BuildFarmClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Replicas < 1)
        {
            failures.Add($"{nameof(BuildFarmClusterOptions)}.{nameof(BuildFarmClusterOptions.Replicas)} must be at least 1, not {options.Replicas}.");
        }

        if (options.ClaimLease < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{nameof(BuildFarmClusterOptions)}.{nameof(BuildFarmClusterOptions.ClaimLease)} must be at least 1 s, not {options.ClaimLease}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
