using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Steps;

public sealed partial class CacheKeyGrain
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "The claim on step {StepKey} held by {Silo} was not renewed within {Lease}: it is granted again")]
    private static partial void LogClaimExpired(ILogger logger, string stepKey, string silo, TimeSpan lease);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Debug, Message = "The steps that followed step {StepKey} were not all gathered for its claimer, who claims the rest itself")]
    private static partial void LogFollowingIncomplete(ILogger logger, Exception exception, string stepKey);
}
