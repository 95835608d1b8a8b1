using StackExchange.Redis;

namespace BuildFarm.Server.Hosting.Internal;

/// <summary>The cluster's Redis: its client options, and a first connection that names it when it cannot be reached.</summary>
internal static class RedisConnection
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static ConfigurationOptions Options(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        // After the first connection, a Redis that restarts is reconnected to rather than failing the silo.
        options.AbortOnConnectFail = false;
        return options;
    }

    /// <exception cref="FarmClusterException">Redis did not answer within the timeout.</exception>
    public static async Task CheckReachableAsync(string configuration, CancellationToken cancellationToken)
    {
        ConfigurationOptions options;
        try
        {
            options = Options(configuration);
        }
        catch (ArgumentException e)
        {
            throw new FarmClusterException($"Redis \"{configuration}\" is not host:port: {e.Message}", e);
        }

        options.AbortOnConnectFail = true;
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(ConnectTimeout * 2, cancellationToken).ConfigureAwait(false);
            await connection.GetDatabase().PingAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisConnectionException or TimeoutException or RedisTimeoutException)
        {
            throw new FarmClusterException($"cannot reach Redis at {configuration}: {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
