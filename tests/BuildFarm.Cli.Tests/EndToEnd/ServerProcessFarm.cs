using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>
/// A farm for a test class where every part is a process of its own: a data directory holding
/// busybox, a <c>farm server</c> on it and a registry. Commands run as
/// <c>farm --data-dir DIR --server ADDR ...</c> processes.
/// </summary>
public sealed class ServerProcessFarm : IAsyncLifetime
{
    private readonly FarmSession _session = new();

    public string DataDirectory => _session.DataDirectory;

    public RegistryServer Registry { get; private set; } = null!;

    internal ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Registry = await RegistryServer.StartAsync();
        Server = await ServerProcess.StartAsync(DataDirectory, _session.Home);
        var load = await RunAsync("load", "-i", (await Busybox.GetAsync()).ArchivePath);
        Assert.True(load.ExitCode == 0, $"farm load exited with {load.ExitCode}:\n{load.Error}");
    }

    /// <summary>Runs <c>farm --data-dir DIR --server ADDR ARGS</c> to its end.</summary>
    internal Task<FarmResult> RunAsync(params string[] args) => FarmProcess.RunAsync(_session.Home, Arguments(args));

    /// <summary>Runs <c>farm --data-dir DIR --server ADDR ARGS</c> to its end with these variables set (null: removed).</summary>
    internal Task<FarmResult> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) => FarmProcess.RunAsync(_session.Home, Arguments(args), environment);

    /// <summary>Starts <c>farm --data-dir DIR --server ADDR ARGS</c>; the caller disposes it.</summary>
    internal FarmProcess Start(params string[] args) => FarmProcess.Start(_session.Home, Arguments(args));

    /// <summary><c>farm build</c> with plain progress and a metadata file, which must succeed; a failure shows the server's log.</summary>
    internal async Task<(FarmResult Result, BuildMetadata Metadata)> BuildAsync(string context, string metadataFile, params string[] options)
    {
        var metadataPath = Combine(metadataFile);
        var result = await RunAsync(["build", "--progress", "plain", "--metadata-file", metadataPath, .. options, context]);
        Assert.True(result.ExitCode == 0, $"farm build exited with {result.ExitCode}:\n{result.Error}\nserver:\n{Server.Log}");
        return (result, BuildMetadata.Read(metadataPath));
    }

    /// <summary>A build context of its own with this Dockerfile; returns its directory.</summary>
    public string WriteContext(string name, string dockerfile, params (string Path, string Content)[] files) => _session.WriteContext(name, dockerfile, files);

    /// <summary>A path in the class's temp directory, for metadata files and the like.</summary>
    public string Combine(params string[] relative) => _session.Combine(relative);

    public async Task DisposeAsync()
    {
        // Each part was started in order; whatever started is stopped, even when a later one failed.
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }

        _session.Dispose();
    }

    private string[] Arguments(string[] args) => ["--data-dir", DataDirectory, "--server", Server.Address.ToString(), .. args];
}
