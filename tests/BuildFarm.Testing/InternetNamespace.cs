using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BuildFarm.Testing;

/// <summary>
/// "The internet" for RUN steps, all of it on this machine: a network namespace of the test's
/// own with an HTTP server (busybox httpd) on 198.18.N.10, an address of the benchmarking range
/// that exists only in that namespace. The host routes 198.18.N.0/24 through a veth into it, so a
/// step's NAT'd traffic reaches it and never the real default route. A name server (dnsmasq) on
/// a loopback address of the host answers for <see cref="HostName"/>, standing in for a host
/// whose resolver listens on loopback only (systemd-resolved's 127.0.0.53).
/// Disposing removes the route, the veth, the namespace and both servers.
/// </summary>
public sealed class InternetNamespace : IAsyncDisposable
{
    /// <summary>The name <see cref="NameServer"/> resolves to <see cref="ServerAddress"/>.</summary>
    public const string HostName = "internet.test";

    public const string PageContent = "hello from the internet";

    private const int Attempts = 8;

    private readonly TempDirectory _directory = new("buildfarm-internet");
    private readonly string _id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 3));
    private readonly List<Process> _servers = [];
    private int _octet = -1;
    private int _added;

    private InternetNamespace()
    {
    }

    /// <summary>The HTTP server's address, 198.18.N.10; it serves <c>/index.html</c> with <see cref="PageContent"/>.</summary>
    public IPAddress ServerAddress { get; private set; } = IPAddress.None;

    /// <summary>The name server's address: 127.x.y.z, port 53, on the host's loopback.</summary>
    public IPAddress NameServer { get; private set; } = IPAddress.None;

    /// <summary>A resolv.conf naming only <see cref="NameServer"/>, for the engine to take as the host's.</summary>
    public string ResolvConfPath => _directory.Combine("resolv.conf");

    /// <summary>The namespace's name, for <c>ip netns exec</c>.</summary>
    public string Namespace => "bft-" + _id;

    private string HostVeth => "bfti" + _id;

    private string Route => $"198.18.{_octet}.0/24";

    public static async Task<InternetNamespace> StartAsync()
    {
        var internet = new InternetNamespace();
        try
        {
            await internet.SetUpAsync();
            return internet;
        }
        catch
        {
            await internet.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            if (!server.HasExited)
            {
                server.Kill();
                await server.WaitForExitAsync();
            }

            server.Dispose();
        }

        if (_octet >= 0)
        {
            await ProcessRunner.RunAsync("ip", ["route", "delete", Route]);
        }

        await ProcessRunner.RunAsync("ip", ["link", "delete", HostVeth]);
        await ProcessRunner.RunAsync("ip", ["netns", "delete", Namespace]);
        _directory.Dispose();
    }

    private async Task SetUpAsync()
    {
        var www = _directory.CreateDirectory("www");
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), PageContent + "\n");

        await Ip("netns", "add", Namespace);
        await Ip("link", "add", HostVeth, "type", "veth", "peer", "name", "eth0", "netns", Namespace);
        await Ip("link", "set", HostVeth, "up");

        // A free 198.18.N.0/24: another test run may hold one, and then adding its route fails.
        for (var attempt = 1; _octet < 0; attempt++)
        {
            var octet = Random.Shared.Next(1, 255);
            var result = await ProcessRunner.RunAsync("ip", ["route", "add", $"198.18.{octet}.0/24", "dev", HostVeth]);
            if (result.ExitCode == 0)
            {
                _octet = octet;
            }
            else if (attempt == Attempts)
            {
                throw new InvalidOperationException($"No free 198.18.N.0/24 for the test's internet: {result.Error}");
            }
        }

        // The namespace's side: the server's address, and a way back to whoever NAT made the
        // sender (the host's address on the veth, in 198.19.N.0/30).
        var transit = $"198.19.{_octet}";
        await Ip("addr", "add", transit + ".1/30", "dev", HostVeth);
        await Ip("route", "replace", Route, "via", transit + ".2", "dev", HostVeth);
        ServerAddress = IPAddress.Parse($"198.18.{_octet}.10");
        await Ip("-n", Namespace, "link", "set", "lo", "up");
        await Ip("-n", Namespace, "addr", "add", transit + ".2/30", "dev", "eth0");
        await Ip("-n", Namespace, "addr", "add", ServerAddress + "/32", "dev", "eth0");
        await Ip("-n", Namespace, "link", "set", "eth0", "up");
        await Ip("-n", Namespace, "route", "add", "default", "via", transit + ".1");

        Start("ip", "netns", "exec", Namespace, "busybox", "httpd", "-f", "-p", ServerAddress + ":80", "-h", www);

        NameServer = IPAddress.Parse($"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}");
        Start(
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces", "--user=root", "--pid-file=",
            $"--listen-address={NameServer}", "--port=53", $"--address=/{HostName}/{ServerAddress}");
        await File.WriteAllTextAsync(ResolvConfPath, $"nameserver {NameServer}\noptions timeout:2 attempts:1\n");
        await WaitForAsync(new IPEndPoint(ServerAddress, 80));
        await WaitForAsync(new IPEndPoint(NameServer, 53));
    }

    /// <summary>
    /// One more address of "the internet", 198.18.N.(11 + k) for the k-th call: a second machine
    /// out there, such as another silo's or Redis's, which servers run with <c>ip netns exec</c> can bind.
    /// </summary>
    public async Task<IPAddress> AddAddressAsync()
    {
        var address = IPAddress.Parse($"198.18.{_octet}.{11 + _added++}");
        await Ip("-n", Namespace, "addr", "add", address + "/32", "dev", "eth0");
        return address;
    }

    private void Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {program}.");
        _servers.Add(process);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
    }

    // A server listens a moment after it starts: connect until it does (bounded). The host
    // reaches both, the HTTP server through the route into the namespace.
    private static async Task WaitForAsync(IPEndPoint endpoint)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(endpoint).WaitAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (Exception e) when (e is SocketException or TimeoutException && attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private static Task<string> Ip(params string[] arguments) => ProcessRunner.RunCheckedAsync("ip", arguments);
}
