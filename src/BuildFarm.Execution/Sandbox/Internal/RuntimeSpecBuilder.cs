using System.Globalization;
using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Snapshots;

namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>
/// The runtime spec of a sandbox: Docker's defaults (containerd's default spec, which BuildKit
/// starts from) for capabilities, mounts, masked paths and limits; new namespaces for mounts,
/// processes, IPC, hostname and network.
/// </summary>
internal static class RuntimeSpecBuilder
{
    public const string HostsPath = "/etc/hosts";
    public const string ResolvConfPath = "/etc/resolv.conf";

    /// <summary>Docker's default capability set.</summary>
    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static readonly IReadOnlyList<RuntimeNamespace> SharedNamespaces =
        [new("pid"), new("ipc"), new("uts"), new("mount")];

    private static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    ];

    private static readonly IReadOnlyList<string> ReadonlyPaths =
        ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>Where the runtime mounts something in the root (below <c>/dev</c> and <c>/sys</c> lives in their own file systems).</summary>
    public static IReadOnlyList<MountTarget> MountTargets(SandboxProcess process) =>
    [
        new("/proc", IsFile: false),
        new("/dev", IsFile: false),
        new("/sys", IsFile: false),
        new(HostsPath, IsFile: true),
        new(ResolvConfPath, IsFile: true),
        .. process.Mounts.Select(static mount => new MountTarget(mount.Target, mount is BindMount bind && File.Exists(bind.Source))),
    ];

    /// <param name="networkNamespace">
    /// The step's namespace on the bridge to join; null for a new one, in which runc brings up lo
    /// (loopback only, <c>--network=none</c>), or none at all for <see cref="NetworkMode.Host"/>.
    /// </param>
    public static RuntimeSpec Build(string rootFilesystem, SandboxProcess process, ContainerUser user, string hostname, string hostsFile, string resolvConfFile, string? networkNamespace, string? cgroupsPath = null)
    {
        var capabilities = new RuntimeCapabilities(DefaultCapabilities, DefaultCapabilities, DefaultCapabilities);
        return new RuntimeSpec(
            OciVersion: "1.0.2",
            Process: new RuntimeProcess(
                Terminal: false,
                User: new RuntimeUser(user.Uid, user.Gid, user.AdditionalGids),
                Args: process.Arguments,
                Env: process.Environment,
                Cwd: process.WorkingDirectory,
                Capabilities: capabilities,
                Rlimits: [new RuntimeRlimit("RLIMIT_NOFILE", 1024, 1024)],
                NoNewPrivileges: true),
            Root: new RuntimeRoot(rootFilesystem, Readonly: false),
            Hostname: hostname,
            Mounts: WithoutShadowedMounts([.. StandardMounts(hostsFile, resolvConfFile), .. process.Mounts.Select(ToRuntimeMount)]),
            Linux: new RuntimeLinux(Namespaces(process.Network, networkNamespace), MaskedPaths, ReadonlyPaths) { CgroupsPath = cgroupsPath });
    }

    private static IReadOnlyList<RuntimeNamespace> Namespaces(NetworkMode network, string? networkNamespace) => network switch
    {
        NetworkMode.Host => SharedNamespaces,
        _ => [.. SharedNamespaces, new RuntimeNamespace("network", networkNamespace)],
    };

    private static IEnumerable<RuntimeMount> StandardMounts(string hostsFile, string resolvConfFile) =>
    [
        new("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
        new("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        new("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        new("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        new("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
        new("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
        new(HostsPath, "bind", hostsFile, ["rbind", "ro"]),
        new(ResolvConfPath, "bind", resolvConfFile, ["rbind", "ro"]),
    ];

    /// <summary>
    /// BuildKit's dedupMounts: a later mount on the same target replaces an earlier one where that
    /// one stood, so that a step's <c>--mount=type=tmpfs,target=/dev/shm</c> is the only /dev/shm
    /// rather than one stacked on the default.
    /// </summary>
    private static IReadOnlyList<RuntimeMount> WithoutShadowedMounts(IReadOnlyList<RuntimeMount> mounts)
    {
        var kept = new List<RuntimeMount>(mounts.Count);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var mount in mounts)
        {
            if (positions.TryGetValue(mount.Destination, out var position))
            {
                kept[position] = mount;
                continue;
            }

            positions[mount.Destination] = kept.Count;
            kept.Add(mount);
        }

        return kept;
    }

    private static RuntimeMount ToRuntimeMount(SandboxMount mount) => mount switch
    {
        TmpfsMount tmpfs => new RuntimeMount(tmpfs.Target, "tmpfs", "tmpfs", TmpfsOptions(tmpfs)),
        BindMount bind => new RuntimeMount(bind.Target, "bind", bind.Source, bind.ReadOnly ? ["rbind", "ro"] : ["rbind"]),
        _ => throw new ArgumentException($"Unknown mount kind {mount.GetType().Name}.", nameof(mount)),
    };

    private static IReadOnlyList<string> TmpfsOptions(TmpfsMount tmpfs) =>
    [
        "nosuid",
        "nodev",
        .. tmpfs.ReadOnly ? ["ro"] : Array.Empty<string>(),
        .. tmpfs.SizeLimit > 0 ? [$"size={tmpfs.SizeLimit.ToString(CultureInfo.InvariantCulture)}"] : Array.Empty<string>(),
    ];
}
