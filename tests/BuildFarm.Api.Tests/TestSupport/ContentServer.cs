using BuildFarm.Server.Hosting;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Api.Tests.TestSupport;

/// <summary>
/// A real Content gRPC server for one test (no silo): Kestrel on 127.0.0.1 with an HTTP/2-only port (h2c) over
/// a fresh content store, and a real channel to it whose calls are recorded.
/// </summary>
internal sealed class ContentServer : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly WebApplication _app;

    private ContentServer(TempDirectory directory, ContentStore store, WebApplication app, GrpcChannel channel)
    {
        _directory = directory;
        Store = store;
        _app = app;
        Channel = channel;
        Content = new V1.Content.ContentClient(channel.Intercept(Recorder));
    }

    public ContentStore Store { get; }

    public GrpcChannel Channel { get; }

    public RecordingInterceptor Recorder { get; } = new();

    public V1.Content.ContentClient Content { get; }

    /// <summary>The store's data directory (blobs and half-written uploads live below it).</summary>
    public string DataDirectory => Store.DataDirectory;

    public static async Task<ContentServer> StartAsync()
    {
        var directory = new TempDirectory("buildfarm-api");
        var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = directory.Combine("data") });
        var app = FarmGrpcHost.Create(store, new FarmGrpcHostOptions { ConfigureLogging = static logging => logging.ClearProviders() });
        await app.StartAsync();
        var channel = GrpcChannel.ForAddress(app.Urls.Single());
        return new ContentServer(directory, store, app, channel);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Store.Dispose();
        _directory.Dispose();
    }
}
