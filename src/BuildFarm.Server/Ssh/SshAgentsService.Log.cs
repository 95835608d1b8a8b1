using Microsoft.Extensions.Logging;

namespace BuildFarm.Server.Ssh;

// When a client's agent forwarding starts and ends; never what passes through it. Event ids 1500-1599.
public sealed partial class SshAgentsService
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "SSH agent forwarding opened by {Peer}")]
    private static partial void LogOpened(ILogger logger, string peer);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "SSH agent forwarding of {Peer} ended")]
    private static partial void LogEnded(ILogger logger, string peer);
}
