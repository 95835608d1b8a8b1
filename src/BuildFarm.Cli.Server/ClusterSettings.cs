using System.CommandLine;
using System.Net;
using BuildFarm.Cli.Commands;
using BuildFarm.Server.Hosting;

namespace BuildFarm.Cli.Server;

/// <summary>
/// Whether and how the silo joins a cluster, from <c>--redis</c>, <c>--cluster-id</c>,
/// <c>--silo-port</c>, <c>--gateway-port</c>, <c>--advertise</c> and <c>--dead-silo-timeout</c>,
/// else their <c>$FARM_…</c> variables, else <see cref="FarmClusterOptions"/>' defaults.
/// </summary>
internal static class ClusterSettings
{
    public static FarmClusterOptions Resolve(ParseResult parseResult, ServerOptions options, FarmEnvironment environment)
    {
        var defaults = new FarmClusterOptions();
        var cluster = new FarmClusterOptions
        {
            Redis = ServerSetting.Of(parseResult, options.Redis, "FARM_REDIS", environment)?.Value,
            ClusterId = ServerSetting.Of(parseResult, options.ClusterId, "FARM_CLUSTER_ID", environment)?.Value ?? defaults.ClusterId,
            SiloPort = ServerSetting.Of(parseResult, options.SiloPort, "FARM_SILO_PORT", environment)?.ToPort(),
            GatewayPort = ServerSetting.Of(parseResult, options.GatewayPort, "FARM_GATEWAY_PORT", environment)?.ToPort(),
            AdvertisedAddress = ServerSetting.Of(parseResult, options.Advertise, "FARM_ADVERTISE", environment) is { } advertise
                ? IPAddress.TryParse(advertise.Value, out var address) ? address : throw advertise.Invalid("an IP address")
                : defaults.AdvertisedAddress,
            DeadSiloTimeout = ServerSetting.Of(parseResult, options.DeadSiloTimeout, "FARM_DEAD_SILO_TIMEOUT", environment) is { } timeout
                ? TimeSpan.FromSeconds(timeout.ToCount(2))
                : defaults.DeadSiloTimeout,
        };
        try
        {
            cluster.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FarmException(e.Message);
        }

        return cluster;
    }

    /// <summary><c>--slots</c>, else <c>$FARM_SLOTS</c>; null for the engine's default.</summary>
    public static int? Slots(ParseResult parseResult, ServerOptions options, FarmEnvironment environment) =>
        ServerSetting.Of(parseResult, options.Slots, "FARM_SLOTS", environment)?.ToCount(1);

    /// <summary><c>--replicas</c>, else <c>$FARM_REPLICAS</c>, else 2.</summary>
    public static int Replicas(ParseResult parseResult, ServerOptions options, FarmEnvironment environment) =>
        ServerSetting.Of(parseResult, options.Replicas, "FARM_REPLICAS", environment)?.ToCount(1) ?? 2;

    /// <summary>A listening address from its option when given, else its variable, else the option's default.</summary>
    public static IPEndPoint Endpoint(ParseResult parseResult, Option<string> option, string variable, FarmEnvironment environment)
    {
        var setting = ServerSetting.Of(parseResult, option, variable, environment) ?? new ServerSetting(option.Name, parseResult.GetValue(option)!);
        return IPEndPoint.TryParse(setting.Value, out var endpoint)
            ? endpoint
            : throw setting.Invalid("host:port (an IP address and a port)");
    }
}
