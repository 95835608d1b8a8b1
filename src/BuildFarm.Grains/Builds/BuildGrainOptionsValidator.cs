using Microsoft.Extensions.Options;

namespace BuildFarm.Grains.Builds;

/// <summary>Refuses <see cref="BuildGrainOptions"/> a silo could not keep builds with, naming the setting.</summary>
public sealed class BuildGrainOptionsValidator : IValidateOptions<BuildGrainOptions>
{
    // A page is one grain state: past this it stops being a bounded write.
    internal const int MaxEventsPerPage = 10_000;

    internal const int MaxIndexEntriesPerPage = 1_000;

    public ValidateOptionsResult Validate(string? name, BuildGrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.EventsPerPage is < 1 or > MaxEventsPerPage)
        {
            failures.Add($"{nameof(BuildGrainOptions)}.{nameof(options.EventsPerPage)} is {options.EventsPerPage}; it must be between 1 and {MaxEventsPerPage}.");
        }

        if (options.IndexEntriesPerPage is < 1 or > MaxIndexEntriesPerPage)
        {
            failures.Add($"{nameof(BuildGrainOptions)}.{nameof(options.IndexEntriesPerPage)} is {options.IndexEntriesPerPage}; it must be between 1 and {MaxIndexEntriesPerPage}.");
        }

        if (options.KeepAlivePeriod <= TimeSpan.Zero || options.KeepAlivePeriod > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{nameof(BuildGrainOptions)}.{nameof(options.KeepAlivePeriod)} is {options.KeepAlivePeriod}; it must be more than zero and at most 5 minutes, well under the grain collection age.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
