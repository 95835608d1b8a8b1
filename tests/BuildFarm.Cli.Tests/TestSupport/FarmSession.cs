using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>
/// A farm of its own for one test: a temp data directory, home and clock, no environment variables
/// and terminals for stdin and stdout unless the test says otherwise. Commands run in process as
/// <c>farm --data-dir DIR ...</c>, against the data directory's <c>farm server</c>, which the
/// first command starts in process with the session's environment.
/// </summary>
internal sealed class FarmSession : IDisposable
{
    /// <summary>The clock of every session; busybox's config says it was created in 1970.</summary>
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new("farm-cli");
    private InProcessServer? _server;

    public FarmSession()
    {
        Directory.CreateDirectory(Home);
        Environment = new FarmEnvironment
        {
            GetVariable = _ => null,
            HomeDirectory = Home,
            Time = new FastForwardTimeProvider(Now),
            OpenStandardInput = static () => throw new InvalidOperationException("This test gives farm no stdin."),
            OpenStandardOutput = static () => throw new InvalidOperationException("This test gives farm no stdout stream."),
            StandardInputIsTerminal = true,
            StandardOutputIsTerminal = true,
        };
    }

    public FarmEnvironment Environment { get; set; }

    public string DataDirectory => _directory.Combine("data");

    public string Home => _directory.Combine("home");

    public string Combine(params string[] relative) => _directory.Combine(relative);

    /// <summary>A build context of its own under <c>contexts/NAME</c> with this Dockerfile and files; returns its directory.</summary>
    public string WriteContext(string name, string dockerfile, params (string Path, string Content)[] files)
    {
        var directory = Directory.CreateDirectory(Combine("contexts", name)).FullName;
        File.WriteAllText(Path.Combine(directory, "Dockerfile"), dockerfile);
        foreach (var (path, content) in files)
        {
            File.WriteAllText(Path.Combine(directory, path), content);
        }

        return directory;
    }

    public async Task<FarmResult> RunAsync(params string[] args)
    {
        await StartServerAsync();
        return await FarmRunner.RunAsync(Environment, ["--data-dir", DataDirectory, .. args]);
    }

    /// <summary>Starts the session's server unless it runs; it takes the session's environment as it is now.</summary>
    /// <returns>Where it listens.</returns>
    public async Task<Uri> StartServerAsync()
    {
        _server ??= await InProcessServer.StartAsync(Environment, DataDirectory);
        return _server.Address;
    }

    /// <summary>Stops the session's server and starts it again with the session's environment and these <c>farm server</c> options.</summary>
    public async Task RestartServerAsync(params string[] options)
    {
        await StopServerAsync();
        _server = await InProcessServer.StartAsync(Environment, DataDirectory, options);
    }

    /// <summary>Runs a command that must succeed without printing errors, and returns its output.</summary>
    public async Task<string> RunCheckedAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0 && result.Error.Length == 0, $"farm {string.Join(' ', args)} exited with {result.ExitCode}:\n{result.Error}{result.Output}");
        return result.Output;
    }

    /// <summary>Loads the busybox base image, named busybox:latest.</summary>
    public async Task<Busybox> LoadBusyboxAsync()
    {
        var busybox = await Busybox.GetAsync();
        await RunCheckedAsync("load", "-i", busybox.ArchivePath);
        return busybox;
    }

    public void Dispose()
    {
        Task.Run(StopServerAsync).GetAwaiter().GetResult();
        _directory.Dispose();
    }

    private async Task StopServerAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }
}
