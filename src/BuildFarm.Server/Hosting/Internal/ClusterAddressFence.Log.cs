using Microsoft.Extensions.Logging;

namespace BuildFarm.Server.Hosting.Internal;

internal sealed partial class ClusterAddressFence
{
    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "RUN steps may not reach the cluster's machines: {Addresses}")]
    private static partial void LogForbidden(ILogger logger, string addresses);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Cannot resolve Redis host {Host}: RUN steps are not kept from it")]
    private static partial void LogUnresolved(ILogger logger, string host, Exception exception);
}
