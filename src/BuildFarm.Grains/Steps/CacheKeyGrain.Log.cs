using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Steps;

public sealed partial class CacheKeyGrain
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "The claim on step {StepKey} held by {Silo} was not renewed within {Lease}: it is granted again")]
    private static partial void LogClaimExpired(ILogger logger, string stepKey, string silo, TimeSpan lease);
}
