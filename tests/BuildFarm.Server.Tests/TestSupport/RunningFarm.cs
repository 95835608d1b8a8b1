using BuildFarm.Api.V1;
using BuildFarm.Client.Builds;
using BuildFarm.Client.Context;
using BuildFarm.Server.Hosting;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Server.Tests.TestSupport;

/// <summary>
/// A farm server on a data directory of its own holding the busybox image, with a client of it,
/// and a build context to fill. The server can be restarted on the same data directory.
/// </summary>
public sealed class RunningFarm : IAsyncDisposable
{
    public const string BusyboxName = "docker.io/library/busybox:latest";

    private readonly TempDirectory _directory = new("buildfarm-server");

    private RunningFarm()
    {
    }

    public FarmServer Server { get; private set; } = null!;

    public FarmClient Client { get; private set; } = null!;

    public string DataDirectory => _directory.Combine("data");

    public string ContextDirectory => _directory.CreateDirectory("context");

    public static async Task<RunningFarm> StartAsync()
    {
        var farm = new RunningFarm();
        using (var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = farm.DataDirectory }))
        {
            await (await BusyboxImage.GetAsync()).AddToAsync(store, BusyboxName);
        }

        await farm.StartServerAsync();
        return farm;
    }

    public async Task RestartAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await StartServerAsync();
    }

    /// <summary>Writes a context file (parents created).</summary>
    public RunningFarm Write(string path, string content)
    {
        var full = Path.Combine(ContextDirectory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return this;
    }

    /// <summary>Uploads the context and submits a build of it, returning every event.</summary>
    public async Task<IReadOnlyList<BuildEvent>> BuildAsync(Action<SubmitRequest>? configure = null, CancellationToken cancellationToken = default)
    {
        var request = await RequestAsync(cancellationToken);
        configure?.Invoke(request);
        var events = new List<BuildEvent>();
        await foreach (var buildEvent in Client.SubmitAsync(request, cancellationToken))
        {
            events.Add(buildEvent);
        }

        return events;
    }

    public async Task<SubmitRequest> RequestAsync(CancellationToken cancellationToken = default)
    {
        var (snapshot, _) = await Client.UploadContextAsync(new ContextSnapshotOptions { ContextDirectory = ContextDirectory }, cancellationToken);
        return new SubmitRequest { ContextRoot = snapshot.Root.ToString(), DockerfilePath = "Dockerfile" };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _directory.Dispose();
    }

    private async Task StartServerAsync()
    {
        Server = await FarmServer.StartAsync(new FarmServerOptions
        {
            DataDirectory = DataDirectory,
            ConfigureLogging = static logging => logging.ClearProviders(),
        });
        Client = FarmClient.Connect(Server.Address);
    }
}
