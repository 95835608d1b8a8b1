using BuildFarm.Oci;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Workers;

public sealed partial class LocalStepRuns
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Running step {StepKey} for the build coordinated on {Coordinator}, placed here by {Reason}")]
    private static partial void LogStarted(ILogger logger, Digest stepKey, string coordinator, PlacementReason reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Step run {RunId} was not asked about for {Unattended}: its coordinator is gone, so it is cancelled")]
    private static partial void LogUnattended(ILogger logger, string runId, TimeSpan unattended);
}
