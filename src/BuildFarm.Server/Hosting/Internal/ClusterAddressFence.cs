using System.Net;
using BuildFarm.Execution.Networking;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace BuildFarm.Server.Hosting.Internal;

/// <summary>
/// Keeps RUN steps off the cluster's machines: every silo the membership table lists (all their
/// ports, so gRPC, metrics, silo and gateway alike) and Redis are forbidden to the step network,
/// and the list follows the membership as silos join. A step reaches the rest of the network
/// through NAT as usual; its own host was out of reach already.
/// </summary>
internal sealed partial class ClusterAddressFence(
    StepNetwork network,
    IClusterMembershipService membership,
    string redis,
    ILogger<ClusterAddressFence> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await FenceAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host stops, also when its start failed (a port taken): that failure is the one to
            // report, not this service's end.
        }
    }

    private async Task FenceAsync(CancellationToken cancellationToken)
    {
        var redisAddresses = await ResolveAsync(redis, cancellationToken).ConfigureAwait(false);
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var forbidden = snapshot.Members.Keys.Select(static silo => silo.Endpoint.Address).Concat(redisAddresses).ToList();
            if (await network.ForbidAsync(forbidden).ConfigureAwait(false))
            {
                LogForbidden(logger, string.Join(", ", network.Forbidden));
            }
        }
    }

    // Redis named by host name: its addresses now (a Redis that moves to another address is
    // fenced again when the silo restarts).
    private async Task<IReadOnlyList<IPAddress>> ResolveAsync(string configuration, CancellationToken cancellationToken)
    {
        var addresses = new List<IPAddress>();
        foreach (var endpoint in RedisConnection.Options(configuration).EndPoints)
        {
            switch (endpoint)
            {
                case IPEndPoint ip:
                    addresses.Add(ip.Address);
                    break;
                case DnsEndPoint dns:
                    try
                    {
                        addresses.AddRange(await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false));
                    }
                    catch (System.Net.Sockets.SocketException e)
                    {
                        LogUnresolved(logger, dns.Host, e);
                    }

                    break;
            }
        }

        return addresses;
    }
}
