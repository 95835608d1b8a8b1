using BuildFarm.Oci;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Workers;

public sealed partial class ClusterStepRunner
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Step {StepKey} placed on {Silos} by {Reason}")]
    private static partial void LogPlaced(ILogger logger, Digest stepKey, string silos, PlacementReason reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Step {StepKey} lost its silo {Silo}; placing it again")]
    private static partial void LogPlacedAgain(ILogger logger, Digest stepKey, string silo, Exception exception);
}
