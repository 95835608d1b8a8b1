using System.Net;
using BuildFarm.Execution.Networking.Internal;
using BuildFarm.Execution.Sandbox.Internal;

namespace BuildFarm.Execution.Networking;

/// <summary>
/// The network of an engine's RUN steps, as Docker's default bridge: a Linux bridge with a /24
/// of its own, a veth and a network namespace per step, outbound through NAT, DNS from the
/// host's resolver configuration, and nothing else (no port of the host, no other step, nothing
/// inbound). The bridge and its table exist while steps use them: the first step to join sets
/// them up, and they go <see cref="ExecutionOptions.StepNetworkLinger"/> after the last left, or
/// when the process exits, so an engine that is simply dropped leaves nothing behind.
/// </summary>
/// <remarks>
/// Built on iproute2 and nftables rather than the CNI bridge plugin (BuildKit's CNI mode). The
/// plugin covers the veth, IPAM and masquerade, but not what matters most here — keeping steps
/// off the host's own ports and DNS through a loopback-only resolver — so rules of our own were
/// needed anyway, next to iptables chains the plugin names per container and a crashed server
/// would leave behind. One nft table holds every rule: added in one transaction, removed with one
/// command; addresses come from a slot table in memory, since no step outlives its engine.
/// DNS: the host's non-loopback name servers are used as they are (through NAT); a loopback one
/// (systemd-resolved's 127.0.0.53, a local dnsmasq) is reached through the gateway, whose port
/// 53 is forwarded to it by DNAT — the kernel does it, no resolver of ours to run or trust, and
/// that one port is all of the host a step can reach.
/// </remarks>
public sealed class StepNetwork
{
    private const int FirstSlot = 2; // .1 is the gateway
    private const int LastSlot = 254;
    private const string NetworkInterfaces = "/sys/class/net";

    private readonly NetworkNames _names;
    private readonly ExecutionOptions _options;
    private readonly Ipv4Subnet _pool;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly bool[] _slotsInUse = new bool[LastSlot + 1];
    private readonly TimeProvider _time;
    private int _members;
    private IReadOnlyCollection<IPAddress> _forbidden = [];
    private Bridge? _bridge;
    private CancellationTokenSource? _pendingRemoval;

    internal StepNetwork(string dataDirectory, ExecutionOptions options, TimeProvider time)
    {
        _time = time;
        _names = new NetworkNames(dataDirectory);
        _options = options;
        _pool = Ipv4Subnet.TryParse(options.StepSubnetPool) ?? throw new ArgumentException($"StepSubnetPool '{options.StepSubnetPool}' is not an IPv4 network.", nameof(options));
    }

    /// <summary>The bridge's name; it exists while steps use it (and its linger).</summary>
    public string BridgeName => _names.Bridge;

    /// <summary>The nft table with the bridge's NAT and filter rules.</summary>
    public string TableName => _names.Table;

    /// <summary>The subnet and gateway of the bridge while it exists (for tests and diagnostics).</summary>
    public (string Subnet, IPAddress Gateway)? Current => _bridge is { } bridge ? (bridge.Subnet.ToString(), bridge.Gateway) : null;

    /// <summary>
    /// Addresses beyond this host that no step may reach, replacing those given before: a
    /// cluster's other silos and its Redis (this host's own addresses are out of reach anyway).
    /// Applies at once to a bridge in use. Loopback and IPv6 addresses are left out: steps reach
    /// neither (IPv4-mapped ones count as IPv4).
    /// </summary>
    /// <returns>Whether the forbidden addresses changed.</returns>
    public async Task<bool> ForbidAsync(IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var forbidden = addresses
            .Select(static address => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)
            .Where(static address => address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(address))
            .Distinct()
            .ToList();
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_forbidden.SequenceEqual(forbidden))
            {
                return false;
            }

            _forbidden = forbidden;
            if (_bridge is not null)
            {
                var set = $"inet {_names.Table} {BridgeRuleset.ForbiddenSet}";
                var elements = forbidden.Count > 0 ? $"add element {set} {{ {string.Join(", ", forbidden)} }}\n" : string.Empty;
                await HostTool.RunAsync(_options.NftPath, ["-f", "-"], $"flush set {set}\n{elements}").ConfigureAwait(false);
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The addresses <see cref="ForbidAsync"/> keeps steps from.</summary>
    public IReadOnlyCollection<IPAddress> Forbidden => _forbidden;

    /// <summary>
    /// Removes what killed engines left: this data directory's step namespaces, bridge and table,
    /// whoever made them (one engine opens a data directory at a time), and those of any other
    /// engine on the host whose process is gone, so that a data directory deleted after a crash
    /// (a test's, a replaced machine's) leaves nothing behind for long.
    /// </summary>
    /// <exception cref="InvalidOperationException">This data directory's network cannot be removed.</exception>
    public async Task RemoveLeftoversAsync()
    {
        await using var hostLock = await HostNetworkLock.AcquireAsync().ConfigureAwait(false);
        foreach (var leftover in await FindLeftoversAsync().ConfigureAwait(false))
        {
            try
            {
                await RemoveAsync(leftover, _options).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (leftover.Id != _names.Id)
            {
                // Another engine's: not this one's to fail over; the next start tries again.
            }
        }
    }

    // Under the host lock, so no bridge is half made. This data directory's objects are leftovers
    // whoever made them. Another engine's bridge is one when the process its alias names is gone;
    // one without an owner (made before owners were written) only when its table says it is ours.
    // A table or namespace without its bridge is left from a removal that stopped half-way, since
    // the bridge is made first and removed last.
    private async Task<IReadOnlyCollection<NetworkNames>> FindLeftoversAsync()
    {
        var tables = (await HostTool.ReadAsync(_options.NftPath, ["list", "tables", "inet"]).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static line => line.Split(' ') is ["table", "inet", var name] ? NetworkNames.Owning(name) : null)
            .OfType<NetworkNames>()
            .ToList();
        var namespaces = Directory.Exists(NetworkNames.NamespaceDirectory)
            ? Directory.EnumerateFiles(NetworkNames.NamespaceDirectory).Select(static path => NetworkNames.Owning(Path.GetFileName(path))).OfType<NetworkNames>()
            : [];
        var bridges = Directory.EnumerateFileSystemEntries(NetworkInterfaces)
            .Select(static path => Path.GetFileName(path))
            .Select(static name => NetworkNames.Owning(name) is { } names && names.Bridge == name && Directory.Exists(Path.Combine(NetworkInterfaces, name, "bridge")) ? names : null)
            .OfType<NetworkNames>();

        var leftovers = new Dictionary<string, NetworkNames>();
        foreach (var names in bridges)
        {
            string alias;
            try
            {
                alias = await File.ReadAllTextAsync(Path.Combine(NetworkInterfaces, names.Bridge, "ifalias")).ConfigureAwait(false);
            }
            catch (IOException)
            {
                continue; // removed meanwhile by its engine, which needs no lock for that
            }

            if (names.Id == _names.Id || (NetworkOwner.FromAlias(alias) is { } owner ? !owner.IsAlive : tables.Any(table => table.Id == names.Id)))
            {
                leftovers.TryAdd(names.Id, names);
            }
        }

        foreach (var names in tables.Concat(namespaces).Where(names => names.Id == _names.Id || !BridgeExists(names)))
        {
            leftovers.TryAdd(names.Id, names);
        }

        return leftovers.Values;
    }

    private static async Task RemoveAsync(NetworkNames names, ExecutionOptions options)
    {
        if (Directory.Exists(NetworkNames.NamespaceDirectory))
        {
            foreach (var path in Directory.EnumerateFiles(NetworkNames.NamespaceDirectory, names.NamespacePrefix + "*"))
            {
                await DeleteNamespaceAsync(Path.GetFileName(path), options).ConfigureAwait(false);
            }
        }

        await RemoveBridgeAsync(names, options).ConfigureAwait(false);
    }

    private static bool BridgeExists(NetworkNames names) => Directory.Exists(Path.Combine(NetworkInterfaces, names.Bridge));

    /// <summary>Makes a namespace for one step, setting up the bridge if it is the first.</summary>
    public async Task<StepNamespace> JoinAsync(CancellationToken cancellationToken = default)
    {
        Bridge bridge;
        int slot;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            slot = Array.FindIndex(_slotsInUse, FirstSlot, static used => !used);
            if (slot < 0)
            {
                throw new InvalidOperationException($"All {LastSlot - FirstSlot + 1} step network addresses of {_names.Bridge} are in use.");
            }

            if (_pendingRemoval is not null)
            {
                await _pendingRemoval.CancelAsync().ConfigureAwait(false);
                _pendingRemoval.Dispose();
                _pendingRemoval = null;
            }

            if (_bridge is null)
            {
                _bridge = await CreateBridgeAsync().ConfigureAwait(false);
                AppDomain.CurrentDomain.ProcessExit += RemoveAtExit;
            }

            bridge = _bridge;
            _slotsInUse[slot] = true;
            _members++;
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await CreateNamespaceAsync(bridge, slot).ConfigureAwait(false);
        }
        catch
        {
            await LeaveAsync(slot).ConfigureAwait(false);
            throw;
        }

        return new StepNamespace(this, slot, _names.NamespacePath(slot), bridge.ResolvConf);
    }

    internal async Task LeaveAsync(int slot)
    {
        try
        {
            await DeleteNamespaceAsync(_names.Slot(slot), _options).ConfigureAwait(false);
        }
        finally
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                _slotsInUse[slot] = false;
                if (--_members == 0)
                {
                    await LetBridgeGoAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    // Under the gate, the last step gone: the bridge stays a while for the next step of the build
    // (setting it up and removing it costs more than a step's own namespace), then goes.
    private async Task LetBridgeGoAsync()
    {
        if (_options.StepNetworkLinger <= TimeSpan.Zero)
        {
            await RemoveCurrentBridgeAsync().ConfigureAwait(false);
            return;
        }

        _pendingRemoval = new CancellationTokenSource();
        var cancellation = _pendingRemoval.Token;

        // The timer starts now, not when a thread gets to it.
        var linger = Task.Delay(_options.StepNetworkLinger, _time, cancellation);
        _ = RemoveAfterAsync(linger, cancellation);
    }

    private async Task RemoveAfterAsync(Task linger, CancellationToken cancellation)
    {
        try
        {
            await linger.ConfigureAwait(false);
            await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // a step joined meanwhile
        }

        try
        {
            if (!cancellation.IsCancellationRequested && _members == 0)
            {
                await RemoveCurrentBridgeAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Left for the exit handler or the next start on this data directory to remove.
        }
        finally
        {
            _gate.Release();
        }
    }

    // Under the gate.
    private async Task RemoveCurrentBridgeAsync()
    {
        _pendingRemoval?.Dispose();
        _pendingRemoval = null;
        _bridge = null;
        AppDomain.CurrentDomain.ProcessExit -= RemoveAtExit;
        await RemoveBridgeAsync().ConfigureAwait(false);
    }

    // A bridge lingering when the process exits goes with it; a killed process's is removed at the next start.
    private void RemoveAtExit(object? sender, EventArgs e)
    {
        try
        {
            RemoveBridgeAsync().GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Nothing more to do on the way out; the next start on this data directory removes it.
        }
    }

    private async Task<Bridge> CreateBridgeAsync()
    {
        var hostResolvConf = File.Exists(_options.ResolvConfPath) ? await File.ReadAllTextAsync(_options.ResolvConfPath).ConfigureAwait(false) : string.Empty;
        var resolver = NameResolutionFiles.FirstLoopbackNameServer(hostResolvConf);

        // Name servers reached through NAT must stay outside the bridge's subnet.
        var nameServers = hostResolvConf.Split('\n')
            .Select(static line => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Where(static fields => fields is ["nameserver", _, ..])
            .Select(static fields => Ipv4Subnet.TryParse(fields[1] + "/32"))
            .OfType<Ipv4Subnet>();

        try
        {
            var subnet = await SubnetAllocator.ClaimAsync(_pool, _names.StartIndex, nameServers, async subnet =>
            {
                await HostTool.RunAsync(_options.IpPath, ["-batch", "-"], $"link add {_names.Bridge} type bridge\nlink set {_names.Bridge} alias \"{NetworkOwner.Current.Alias}\"\naddr add {subnet.Address(1)}/{subnet.PrefixLength} dev {_names.Bridge}\n").ConfigureAwait(false);
            }).ConfigureAwait(false);
            var gateway = subnet.Address(1);

            // Steps have no IPv6: none on the bridge either, so no link-local address of the host
            // is there to reach. route_localnet lets the gateway's DNS lead to a loopback resolver.
            await WriteSysctlAsync($"net/ipv6/conf/{_names.Bridge}/disable_ipv6", "1").ConfigureAwait(false);
            await WriteSysctlAsync($"net/ipv4/conf/{_names.Bridge}/route_localnet", resolver is null ? "0" : "1").ConfigureAwait(false);

            // As Docker does: NAT needs the host to forward, which is off on a fresh host.
            await WriteSysctlAsync("net/ipv4/ip_forward", "1").ConfigureAwait(false);
            await HostTool.RunAsync(_options.NftPath, ["-f", "-"], BridgeRuleset.Create(_names.Table, _names.Bridge, subnet, gateway, resolver, _forbidden)).ConfigureAwait(false);
            await HostTool.RunAsync(_options.IpPath, ["link", "set", _names.Bridge, "up"]).ConfigureAwait(false);
            return new Bridge(subnet, gateway, NameResolutionFiles.ResolvConf(hostResolvConf, gateway));
        }
        catch
        {
            await RemoveBridgeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task CreateNamespaceAsync(Bridge bridge, int slot)
    {
        var name = _names.Slot(slot);
        var address = bridge.Subnet.Address((uint)slot);

        // The host end is an isolated bridge port: frames go to the gateway, never to another step.
        await HostTool.RunAsync(_options.IpPath, ["-batch", "-"], string.Join('\n',
            $"netns add {name}",
            $"link add {name} type veth peer name eth0 netns {name}",
            $"link set {name} master {_names.Bridge}",
            $"link set {name} type bridge_slave isolated on",
            $"link set {name} up",
            string.Empty)).ConfigureAwait(false);
        await HostTool.RunAsync(_options.IpPath, ["-n", name, "-batch", "-"], string.Join('\n',
            "link set lo up",
            $"addr add {address}/{bridge.Subnet.PrefixLength} dev eth0",
            "link set eth0 up",
            $"route add default via {bridge.Gateway}",
            string.Empty)).ConfigureAwait(false);
    }

    // The veth first, which deletes both of its ends at once: a namespace's own devices go some
    // time after the namespace is deleted, and the next step on the slot needs the name again.
    private static async Task DeleteNamespaceAsync(string name, ExecutionOptions options)
    {
        var (_, error) = await HostTool.TryRunAsync(options.IpPath, ["-force", "-batch", "-"], $"link delete {name}\nnetns delete {name}\n").ConfigureAwait(false);
        if (File.Exists(Path.Combine(NetworkNames.NamespaceDirectory, name)) || Directory.Exists(Path.Combine(NetworkInterfaces, name)))
        {
            throw new InvalidOperationException($"Cannot delete the step network namespace {name}: {error}");
        }
    }

    private Task RemoveBridgeAsync() => RemoveBridgeAsync(_names, _options);

    private static async Task RemoveBridgeAsync(NetworkNames names, ExecutionOptions options)
    {
        var (_, tableError) = await HostTool.TryRunAsync(options.NftPath, ["delete", "table", "inet", names.Table]).ConfigureAwait(false);
        var (_, linkError) = await HostTool.TryRunAsync(options.IpPath, ["link", "delete", names.Bridge, "type", "bridge"]).ConfigureAwait(false);

        // Either may be gone already (a set-up that failed half-way); anything else is an error.
        if (BridgeExists(names))
        {
            throw new InvalidOperationException($"Cannot remove the step bridge {names.Bridge}: {linkError} {tableError}".TrimEnd());
        }
    }

    private static Task WriteSysctlAsync(string name, string value) =>
        File.WriteAllTextAsync(Path.Combine("/proc/sys", name), value + "\n");

    private sealed record Bridge(Ipv4Subnet Subnet, IPAddress Gateway, string ResolvConf);
}
