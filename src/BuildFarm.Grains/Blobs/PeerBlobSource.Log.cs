using BuildFarm.Oci;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Grains.Blobs;

public sealed partial class PeerBlobSource
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Fetched blob {Digest} ({Bytes} bytes) from {Holder} in {Milliseconds:F0} ms")]
    private static partial void LogFetched(ILogger logger, Digest digest, long bytes, string holder, double milliseconds);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Fetching blob {Digest} from {Holder} failed; trying the next holder")]
    private static partial void LogFetchFailed(ILogger logger, Digest digest, string holder, Exception exception);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "No active silo of the {Holders} asked holds blob {Digest}")]
    private static partial void LogNoHolder(ILogger logger, Digest digest, int holders);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Silo {Holder} was listed as a holder of blob {Digest} but has lost it; it is no longer listed")]
    private static partial void LogHolderUnlisted(ILogger logger, Digest digest, string holder);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "Fetching blob {Digest} was interrupted by a lost silo until the retries ran out")]
    private static partial void LogInterrupted(ILogger logger, Digest digest, Exception exception);

    [LoggerMessage(EventId = 1306, Level = LogLevel.Warning, Message = "Blob {Digest} was fetched, but this silo could not be listed as one of its holders; peers will not ask it for the blob")]
    private static partial void LogNotListed(ILogger logger, Digest digest, Exception exception);
}
