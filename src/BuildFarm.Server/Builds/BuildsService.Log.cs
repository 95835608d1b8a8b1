using Microsoft.Extensions.Logging;
using BuildState = BuildFarm.Grains.Builds.BuildState;

namespace BuildFarm.Server.Builds;

// Who asked what of which build, for an operator following a build across silos. Event ids 1200-1299.
public sealed partial class BuildsService
{
    private static IDisposable? BeginBuildScope(ILogger logger, string buildId) =>
        logger.BeginScope(new Dictionary<string, object?> { ["BuildId"] = buildId });

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "Build {BuildId} submitted by {Peer}: context {ContextDigest}")]
    private static partial void LogSubmitted(ILogger logger, string buildId, string peer, string contextDigest);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Build {BuildId} watched by {Peer} from event {FromSequence} ({State})")]
    private static partial void LogWatching(ILogger logger, string buildId, string peer, ulong fromSequence, BuildState state);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Build {BuildId} cancelled by {Peer}")]
    private static partial void LogCancelling(ILogger logger, string buildId, string peer);
}
