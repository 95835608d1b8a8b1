using System.Net;
using BuildFarm.Grains;
using BuildFarm.Grains.Persistence;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;

namespace BuildFarm.Server.Hosting.Internal;

/// <summary>Membership and grain state of a farm silo: localhost clustering on its own, Redis in a cluster.</summary>
internal static class FarmClusterSiloExtensions
{
    private const string ServiceId = "buildfarm";

    public static ISiloBuilder UseFarmCluster(this ISiloBuilder silo, FarmClusterOptions cluster, int siloPort, int gatewayPort)
    {
        if (cluster.Redis is not { } redis)
        {
            return silo
                .UseLocalhostClustering(siloPort: siloPort, gatewayPort: gatewayPort, serviceId: ServiceId, clusterId: "buildfarm-local")
                // A silo on its own has no peers to clean up after; its table is in memory.
                .Configure<ClusterMembershipOptions>(membership => membership.DefunctSiloCleanupPeriod = null);
        }

        return silo
            .Configure<ClusterOptions>(options =>
            {
                options.ServiceId = ServiceId;
                options.ClusterId = cluster.ClusterId;
            })
            // Peers dial the advertised address, and the silo listens there alone: loopback unless
            // told otherwise (the API has no authentication yet).
            .Configure<EndpointOptions>(endpoints =>
            {
                endpoints.AdvertisedIPAddress = cluster.AdvertisedAddress;
                endpoints.SiloPort = siloPort;
                endpoints.GatewayPort = gatewayPort;
                endpoints.SiloListeningEndpoint = new IPEndPoint(cluster.AdvertisedAddress, siloPort);
                endpoints.GatewayListeningEndpoint = new IPEndPoint(cluster.AdvertisedAddress, gatewayPort);
            })
            .UseRedisClustering(options => options.ConfigurationOptions = RedisConnection.Options(redis))
            .UseConsistentGrainDirectory()
            .Configure<ClusterMembershipOptions>(membership => Tune(membership, cluster.DeadSiloTimeout))
            .AddRedisGrainStorage(GrainStorage.Name, options =>
            {
                options.ConfigurationOptions = RedisConnection.Options(redis);
                options.GrainStorageSerializer = new MessagePackGrainStorageSerializer();
                // The cache's records are deleted by prune, which clears them: nothing of them should linger.
                options.DeleteStateOnClear = true;
            });
    }

    // Orleans' default directory is a hash table partitioned over the silos that loses a silo's
    // share when the silo leaves, and then deactivates every grain registered there, wherever it
    // lives: a silo restarted deactivated about a third of the grains of the others (cache keys
    // holding a run's claim among them), and the next calls activated them again. The
    // distributed directory recovers a departed silo's share from the silos that host the grains.
    // It is marked for evaluation in Orleans 10, hence the suppression.
    private static ISiloBuilder UseConsistentGrainDirectory(this ISiloBuilder silo)
    {
#pragma warning disable ORLEANSEXP003
        return silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
    }

    // A silo is voted dead after missing three probes in a row; each probe waits a quarter of the
    // timeout, and the table is re-read as often, so the others learn of a death within about the
    // timeout rather than Orleans' production default of a minute or more.
    private static void Tune(ClusterMembershipOptions membership, TimeSpan deadSiloTimeout)
    {
        var probe = deadSiloTimeout / 4;
        membership.ProbeTimeout = probe;
        membership.NumMissedProbesLimit = 3;
        membership.TableRefreshTimeout = probe;
        membership.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(Math.Max(5, deadSiloTimeout.TotalSeconds));
        // A silo that died leaves its row; rows of silos dead for an hour are removed.
        membership.DefunctSiloExpiration = TimeSpan.FromHours(1);
        membership.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
    }
}
