using BuildFarm.Oci;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Workers;

public sealed partial class LayerReplication
{
    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Layer {Digest} replicated to {Target} from {Holder}")]
    private static partial void LogReplicated(ILogger logger, Digest digest, string target, string holder);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Replicating layer {Digest} to {Target} failed")]
    private static partial void LogReplicaFailed(ILogger logger, Digest digest, string target, Exception exception);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Layer {Digest} has {Holders} replicas of the {Replicas} asked for")]
    private static partial void LogTooFewReplicas(ILogger logger, Digest digest, int holders, int replicas);
}
