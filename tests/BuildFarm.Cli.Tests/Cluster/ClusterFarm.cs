using System.Globalization;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Tests.EndToEnd;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Cluster;

/// <summary>
/// A cluster for a test class, every part a process of its own: a real redis-server and three
/// <c>farm server</c> silos on loopback, each with its own data directory and fixed silo and
/// gateway ports (so that a silo restarted on its disk has its name again). Each silo has busybox.
/// Tests that kill a silo or Redis start it again before they end, so the next test finds the
/// cluster whole.
/// </summary>
public sealed partial class ClusterFarm : IAsyncLifetime
{
    /// <summary>The test collection whose classes share one cluster, one test at a time.</summary>
    public const string Collection = "cluster";

    /// <summary>How long the silos take to vote a silo that stopped answering dead (--dead-silo-timeout).</summary>
    public static readonly TimeSpan DeadSiloTimeout = TimeSpan.FromSeconds(10);

    private static readonly string[] Names = ["a", "b", "c"];

    private readonly FarmSession _session = new();
    private readonly string _clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];

    public RedisServer Redis { get; private set; } = null!;

    internal IReadOnlyList<ServerProcess> Silos { get; private set; } = [];

    internal ServerProcess A => Silos[0];

    internal ServerProcess B => Silos[1];

    internal ServerProcess C => Silos[2];

    /// <summary>Steps each silo runs at once (--slots).</summary>
    public int Slots { get; init; } = 2;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        var silos = new List<ServerProcess>();
        Silos = silos;
        // One after another: the first creates the cluster's membership table, the others join it.
        foreach (var name in Names)
        {
            silos.Add(await ServerProcess.StartAsync(DataDirectory(name), _session.Home, SiloArguments()));
        }

        var busybox = (await Busybox.GetAsync()).ArchivePath;
        foreach (var silo in Silos)
        {
            var load = await RunAsync(silo, "load", "-i", busybox);
            Assert.True(load.ExitCode == 0, $"farm load through {silo.Address} exited with {load.ExitCode}:\n{load.Error}");
        }
    }

    public string DataDirectory(string silo) => _session.Combine("silos", silo);

    internal string DataDirectory(ServerProcess silo) => DataDirectory(Names[Silos.ToList().IndexOf(silo)]);

    /// <summary>Runs <c>farm --server ADDR ARGS</c> through one silo to its end.</summary>
    internal Task<FarmResult> RunAsync(ServerProcess silo, params string[] args) =>
        FarmProcess.RunAsync(_session.Home, ["--data-dir", DataDirectory(silo), "--server", silo.Address.ToString(), .. args]);

    /// <summary>Starts <c>farm --server ADDR ARGS</c> through one silo; the caller disposes it.</summary>
    internal FarmProcess Start(ServerProcess silo, params string[] args) =>
        FarmProcess.Start(_session.Home, ["--data-dir", DataDirectory(silo), "--server", silo.Address.ToString(), .. args]);

    /// <summary>Runs <c>farm --server ADDRS ARGS</c> with several addresses, as a client of the whole cluster.</summary>
    internal Task<FarmResult> RunThroughAsync(IEnumerable<string> addresses, params string[] args) =>
        FarmProcess.RunAsync(_session.Home, ["--data-dir", _session.Combine("client"), "--server", string.Join(',', addresses), .. args]);

    /// <summary><c>farm build</c> through a silo with plain progress and a metadata file, which must succeed.</summary>
    internal async Task<(FarmResult Result, BuildMetadata Metadata)> BuildAsync(ServerProcess silo, string context, string metadataFile, params string[] options)
    {
        var metadataPath = Combine(metadataFile);
        var result = await RunAsync(silo, ["build", "--progress", "plain", "--metadata-file", metadataPath, .. options, context]);
        Assert.True(result.ExitCode == 0, $"farm build through {silo.SiloName} exited with {result.ExitCode}:\n{result.Error}\n{Logs()}");
        return (result, BuildMetadata.Read(metadataPath));
    }

    /// <summary>A build context of its own with this Dockerfile; returns its directory.</summary>
    public string WriteContext(string name, string dockerfile, params (string Path, string Content)[] files) => _session.WriteContext(name, dockerfile, files);

    public string Combine(params string[] relative) => _session.Combine(relative);

    /// <summary>Unpacks the image tagged <paramref name="tag"/> of an OCI archive with umoci; returns its root file system.</summary>
    public async Task<string> UnpackAsync(string archive, string tag)
    {
        var name = Path.GetFileNameWithoutExtension(archive);
        var layout = Directory.CreateDirectory(Combine(name + "-layout")).FullName;
        await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(archive, layout, overwriteFiles: false);
        return await Umoci.UnpackAsync(layout, tag, Combine(name + "-bundle"));
    }

    /// <summary>What every silo printed, for failure messages.</summary>
    public string Logs() => string.Join("\n", Silos.Select(silo => $"--- silo {silo.Address}:\n{silo.Log}"));

    /// <summary>The silos a silo's <c>/metrics</c> counts with this membership status.</summary>
    internal static async Task<int> SilosSeenAsync(ServerProcess silo, string status) =>
        (int)Sample(await silo.ScrapeMetricsAsync(), $"buildfarm_cluster_silos{{status=\"{status}\"}}");

    /// <summary>One sample's value in a scrape, by its name and labels as written there; 0 when absent.</summary>
    internal static double Sample(string metrics, string series)
    {
        var match = Regex.Match(metrics, $"^{Regex.Escape(series)} (\\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        _session.Dispose();
    }

    private string[] SiloArguments() =>
    [
        "--redis", Redis.Address,
        "--cluster-id", _clusterId,
        "--silo-port", FreePort.Pick().ToString(CultureInfo.InvariantCulture),
        "--gateway-port", FreePort.Pick().ToString(CultureInfo.InvariantCulture),
        "--slots", Slots.ToString(CultureInfo.InvariantCulture),
        "--dead-silo-timeout", DeadSiloTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
    ];
}

[CollectionDefinition(ClusterFarm.Collection)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFarm>;
