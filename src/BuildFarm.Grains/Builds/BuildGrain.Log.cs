using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Builds;

// What an operator needs to follow builds on a silo. Event ids 1100-1199.
public sealed partial class BuildGrain
{
    private static IDisposable? BeginBuildScope(ILogger logger, string buildId, string silo) =>
        logger.BeginScope(new Dictionary<string, object?> { ["BuildId"] = buildId, ["Silo"] = silo });

    private static IDisposable? BeginStepScope(ILogger logger, string step, string? stepKey) =>
        logger.BeginScope(new Dictionary<string, object?> { ["Step"] = step, ["StepKey"] = stepKey });

    private void LogJournalWriteFailed(Exception exception, int attempt) => LogJournalWriteFailed(logger, exception, Id, attempt);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Build {BuildId} started: {DockerfilePath}, {TagCount} tags")]
    private static partial void LogBuildStarted(ILogger logger, string buildId, string dockerfilePath, int tagCount);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Build {BuildId} succeeded: {ManifestDigest} in {Seconds:F1} s")]
    private static partial void LogBuildSucceeded(ILogger logger, string buildId, string manifestDigest, double seconds);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Build {BuildId} failed (step {Step}): {Error}")]
    private static partial void LogBuildFailed(ILogger logger, Exception? exception, string buildId, string? step, string? error);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Build {BuildId} cancelled")]
    private static partial void LogBuildCancelled(ILogger logger, string buildId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Build {BuildId}: step {Step} ({Location}) failed with exit code {ExitCode}: {Error}")]
    private static partial void LogStepFailed(ILogger logger, string buildId, string step, string location, int? exitCode, string error);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Build {BuildId} was running on {Silo}, which no longer runs it; recording it as failed after event {LastSequence}")]
    private static partial void LogCoordinatorLost(ILogger logger, string buildId, string silo, long lastSequence);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Build {BuildId} is deactivated while it runs ({ReasonCode}: {Reason}); stopping it")]
    private static partial void LogDeactivatingWhileRunning(ILogger logger, string buildId, DeactivationReasonCode reasonCode, string reason);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Error, Message = "Build {BuildId} did not record its end before its activation had to go; the next activation records it as failed")]
    private static partial void LogNotRecordedBeforeDeactivation(ILogger logger, string buildId);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "Build {BuildId}: writing its journal failed (attempt {Attempt}); trying again")]
    private static partial void LogJournalWriteFailed(ILogger logger, Exception exception, string buildId, int attempt);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Error, Message = "Build {BuildId}: its journal could not be written; events after the last written page are lost")]
    private static partial void LogJournalLost(ILogger logger, Exception exception, string buildId);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Warning, Message = "Build {BuildId}: the build index could not be told it ended; listings show it as it was")]
    private static partial void LogIndexNotUpdated(ILogger logger, Exception exception, string buildId);
}
