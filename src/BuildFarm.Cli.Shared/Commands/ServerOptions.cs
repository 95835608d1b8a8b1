using System.CommandLine;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm server</c>'s command and options, one definition for both programs: <c>farm</c>, which
/// parses them (for help and errors) and hands the command to <c>farm-server</c>, which runs it.
/// </summary>
internal sealed class ServerOptions
{
    public const string CommandName = "server";

    public Option<string> Listen { get; } = new("--listen")
    {
        Description = "The gRPC address, host:port (plain-text HTTP/2). Port 0 picks a free port (default: $FARM_LISTEN, else 127.0.0.1:7575).",
        DefaultValueFactory = _ => "127.0.0.1:7575",
    };

    public Option<string> MetricsListen { get; } = new("--metrics-listen")
    {
        Description = "The Prometheus endpoint, host:port; /metrics is served there over HTTP/1. Port 0 picks a free port (default: $FARM_METRICS_LISTEN, else 127.0.0.1:9464).",
        DefaultValueFactory = _ => "127.0.0.1:9464",
    };

    /// <summary>buildkitd's flag; <c>network.host</c> is the one entitlement the farm can grant.</summary>
    public Option<string[]> AllowInsecureEntitlement { get; } = new("--allow-insecure-entitlement")
    {
        Description = "Let builds that ask for it (farm build --allow network.host) run RUN --network=host steps in the host's network. Only network.host can be granted.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> StepMemory { get; } = new("--step-memory")
    {
        Description = "The memory each RUN step may use (swap included), as docker's --memory takes it: 512m, 4g; 0 for no limit. A step over it fails saying it ran out of memory (default: $FARM_STEP_MEMORY, else half the machine's memory, so that one step can never starve the server or the steps beside it).",
    };

    public Option<string?> StepPids { get; } = new("--step-pids")
    {
        Description = "How many processes and threads each RUN step may have at once; 0 for no limit. A step that reaches it and fails says so (default: $FARM_STEP_PIDS, else 4096: far more than builds start, far fewer than a fork bomb would take from the host).",
    };

    public Option<string?> StepCpus { get; } = new("--step-cpus")
    {
        Description = "How many CPUs' worth of time each RUN step may use, as docker's --cpus takes it: 1.5; 0 for no limit (default: $FARM_STEP_CPUS, else every core: the kernel shares the cores fairly between steps running at once).",
    };

    public Option<string?> CacheMountStorage { get; } = new("--cache-mount-storage")
    {
        Description = "The space all RUN --mount=type=cache directories may take together, as 20g; past it the least recently used ones no step is using are deleted; 0 for no bound (default: $FARM_CACHE_MOUNT_STORAGE, else a tenth of the data directory's disk, as BuildKit keeps its cache to a tenth).",
    };

    public Option<string?> Redis { get; } = new("--redis")
    {
        Description = "Form or join a cluster whose membership and grain state live in this Redis, host:port (default: $FARM_REDIS; without it, one silo with its state on disk). The API has no authentication yet: keep a cluster beyond loopback on a trusted network.",
    };

    public Option<string?> ClusterId { get; } = new("--cluster-id")
    {
        Description = "Silos with the same Redis and cluster id are one cluster (default: $FARM_CLUSTER_ID, else buildfarm).",
    };

    public Option<string?> SiloPort { get; } = new("--silo-port")
    {
        Description = "The port silos talk to each other on; 0 picks a free one (default: $FARM_SILO_PORT, else 11111 in a cluster and a free port alone).",
    };

    public Option<string?> GatewayPort { get; } = new("--gateway-port")
    {
        Description = "The Orleans gateway port; 0 picks a free one (default: $FARM_GATEWAY_PORT, else 30000 in a cluster and a free port alone).",
    };

    public Option<string?> Advertise { get; } = new("--advertise")
    {
        Description = "The IP address peers dial to reach this silo, which it listens on for them (default: $FARM_ADVERTISE, else 127.0.0.1). The silo's name is ADDRESS:SILO-PORT.",
    };

    public Option<string?> Slots { get; } = new("--slots")
    {
        Description = "How many steps this silo runs at once, across all builds (default: $FARM_SLOTS, else the number of cores, at least 2).",
    };

    public Option<string?> Replicas { get; } = new("--replicas")
    {
        Description = "How many silos hold each layer and image before a step's result counts as recorded (default: $FARM_REPLICAS, else 2).",
    };

    public Option<string?> DeadSiloTimeout { get; } = new("--dead-silo-timeout")
    {
        Description = "Seconds after which a silo that stopped answering is voted dead and its steps run elsewhere (default: $FARM_DEAD_SILO_TIMEOUT, else 10).",
    };

    public Command CreateCommand()
    {
        var command = new Command(CommandName, "Run a build farm silo: an embedded Orleans silo, the gRPC API and /metrics, blobs kept in the data directory; on its own, or one of a cluster with --redis.")
        {
            Listen, MetricsListen, AllowInsecureEntitlement, StepMemory, StepPids, StepCpus, CacheMountStorage,
            Redis, ClusterId, SiloPort, GatewayPort, Advertise, Slots, Replicas, DeadSiloTimeout,
        };
        AllowInsecureEntitlement.Validators.Add(result =>
        {
            foreach (var name in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (name != "network.host")
                {
                    result.AddError($"--allow-insecure-entitlement \"{name}\" cannot be granted: only network.host can.");
                }
            }
        });
        return command;
    }
}
