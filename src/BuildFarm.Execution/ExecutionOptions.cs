namespace BuildFarm.Execution;

/// <summary>How a silo runs steps. Where it keeps its state is the content store's data directory.</summary>
public sealed class ExecutionOptions
{
    /// <summary>Debian's runc; crun 1.8 cannot run here (cgroups in hybrid mode).</summary>
    public string RuncPath { get; set; } = "/usr/sbin/runc";

    /// <summary>
    /// The hostname of every sandbox. BuildKit's, so that <c>RUN hostname &gt; f</c> gives the
    /// same file as <c>docker build</c>.
    /// </summary>
    public string Hostname { get; set; } = "buildkitsandbox";

    /// <summary>How many of the last output lines a failed process's error shows.</summary>
    public int FailureOutputLines { get; set; } = 10;

    /// <summary>
    /// Whether the directory a layer was just written from (a step's upper dir, a
    /// <c>COPY --link</c> directory) becomes the layer's snapshot where that is exact, instead of
    /// the layer being unpacked from its blob when a later step mounts it. Off, every snapshot is
    /// unpacked: for comparing the two, and a way back should promotion ever be in doubt.
    /// </summary>
    public bool PromoteLayerDirectories { get; set; } = true;

    /// <summary>
    /// Whether a build may run steps in the host's network namespace (<c>RUN --network=host</c>,
    /// asked for by the build): <c>farm server --allow-insecure-entitlement network.host</c>.
    /// </summary>
    public bool AllowNetworkHost { get; set; }

    /// <summary>
    /// Where an engine's step bridge takes its /24 from: the first free one (overlapping no route
    /// or name server of the host) from a point that depends on the data directory.
    /// </summary>
    public string StepSubnetPool { get; set; } = "10.200.0.0/13";

    /// <summary>
    /// How long the step bridge stays after the last step on it ended, for the next step (a
    /// bridge costs about twice a step's own namespace to set up and remove); zero removes it at once.
    /// </summary>
    public TimeSpan StepNetworkLinger { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The host's resolver configuration, which RUN steps resolve names by.</summary>
    public string ResolvConfPath { get; set; } = "/etc/resolv.conf";

    /// <summary>iproute2's ip: the step bridge, veths and network namespaces.</summary>
    public string IpPath { get; set; } = "/usr/sbin/ip";

    /// <summary>nftables' nft: the step bridge's NAT and filter rules (Debian's nftables).</summary>
    public string NftPath { get; set; } = "/usr/sbin/nft";

    /// <summary>The least memory a step may be given: Docker's minimum, below which runc's own start-up fails.</summary>
    public const long MinimumStepMemoryBytes = 6 * 1024 * 1024;

    /// <summary>
    /// The memory (and swap: none beyond it) each RUN step's processes may use together; over it,
    /// the kernel kills one and the step fails saying it ran out of memory. 0 for no limit.
    /// Half the machine's memory by default: a compiler or bundler that needs gigabytes still
    /// runs, while one runaway step can never take the memory the silo and the steps beside it
    /// need.
    /// </summary>
    public long StepMemoryBytes { get; set; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    /// <summary>
    /// How many processes and threads each RUN step may have at once; a fork past it fails, and
    /// so does the step. 0 for no limit. 4096 by default: far more than <c>make -j</c>, npm or a
    /// test suite start, far fewer than the host's pid space, so a fork bomb stays in its step.
    /// </summary>
    public long StepPids { get; set; } = 4096;

    /// <summary>
    /// How many CPUs' worth of time each RUN step may use (CFS quota; 1.5 is one and a half
    /// cores). 0 for no limit. Every core by default: a step alone on the silo may use the whole
    /// machine, and the kernel shares the cores fairly between steps running at once; set it
    /// lower to keep a step from crowding the others.
    /// </summary>
    public double StepCpus { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// The bytes all <c>RUN --mount=type=cache</c> directories together may take; past it, the
    /// least recently used ones no step is using are deleted (the next step that mounts one gets
    /// it afresh). 0 for no bound; null (the default) for a tenth of the file system the data
    /// directory is on, as BuildKit's default garbage collection keeps its cache to a tenth of
    /// the disk: room for package manager caches, never the disk.
    /// </summary>
    public long? CacheMountsMaxBytes { get; set; }

    /// <summary>The bound of <see cref="CacheMountsMaxBytes"/> for a data directory on <paramref name="dataDirectory"/>'s file system.</summary>
    public long CacheMountsMaxBytesFor(string dataDirectory) =>
        CacheMountsMaxBytes ?? new DriveInfo(dataDirectory).TotalSize / 10;

    /// <summary>Throws an <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(RuncPath) || !Path.IsPathFullyQualified(RuncPath))
        {
            problems.Add($"RuncPath '{RuncPath}' is not an absolute path");
        }
        else if (!File.Exists(RuncPath))
        {
            problems.Add($"RuncPath '{RuncPath}' does not exist (install Debian's runc)");
        }

        // A hostname label: what sethostname and /etc/hosts accept without surprises.
        if (Hostname.Length is 0 or > 63 || !Hostname.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-') || Hostname[0] == '-')
        {
            problems.Add($"Hostname '{Hostname}' is not a hostname label (1-63 letters, digits and '-', not starting with '-')");
        }

        foreach (var (name, path, package) in new[] { (nameof(IpPath), IpPath, "iproute2"), (nameof(NftPath), NftPath, "nftables") })
        {
            if (string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path))
            {
                problems.Add($"{name} '{path}' is not an absolute path");
            }
            else if (!File.Exists(path))
            {
                problems.Add($"{name} '{path}' does not exist (install Debian's {package})");
            }
        }

        if (Networking.Internal.Ipv4Subnet.TryParse(StepSubnetPool) is not { PrefixLength: <= 24 })
        {
            problems.Add($"StepSubnetPool '{StepSubnetPool}' is not an IPv4 network of at least a /24 (a.b.c.d/n, n <= 24)");
        }

        if (StepNetworkLinger < TimeSpan.Zero)
        {
            problems.Add($"StepNetworkLinger must not be negative, not {StepNetworkLinger}");
        }

        if (string.IsNullOrWhiteSpace(ResolvConfPath) || !Path.IsPathFullyQualified(ResolvConfPath))
        {
            problems.Add($"ResolvConfPath '{ResolvConfPath}' is not an absolute path");
        }

        if (FailureOutputLines < 0)
        {
            problems.Add($"FailureOutputLines must not be negative, not {FailureOutputLines}");
        }

        if (StepMemoryBytes != 0 && StepMemoryBytes < MinimumStepMemoryBytes)
        {
            problems.Add($"StepMemoryBytes must be 0 (no limit) or at least {MinimumStepMemoryBytes} (6 MiB), not {StepMemoryBytes}");
        }

        if (CacheMountsMaxBytes < 0)
        {
            problems.Add($"CacheMountsMaxBytes must be 0 (no bound), positive or null (a tenth of the disk), not {CacheMountsMaxBytes}");
        }

        if (StepPids < 0)
        {
            problems.Add($"StepPids must be 0 (no limit) or positive, not {StepPids}");
        }

        if (StepCpus != 0 && !(StepCpus >= 0.01 && StepCpus <= 1024))
        {
            problems.Add($"StepCpus must be 0 (no limit) or from 0.01 to 1024, not {StepCpus}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {nameof(ExecutionOptions)}: {string.Join("; ", problems)}.");
        }
    }
}
