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
}

/// <summary>Checks <see cref="BuildFarmClusterOptions"/> when the silo starts.</summary>
public sealed class BuildFarmClusterOptionsValidator : IValidateOptions<BuildFarmClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, BuildFarmClusterOptions options) =>
        options.Replicas < 1
            ? ValidateOptionsResult.Fail($"{nameof(BuildFarmClusterOptions)}.{nameof(BuildFarmClusterOptions.Replicas)} must be at least 1, not {options.Replicas}.")
            : ValidateOptionsResult.Success;
}
