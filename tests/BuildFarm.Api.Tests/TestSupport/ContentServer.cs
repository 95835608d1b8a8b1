using BuildFarm.Server.Hosting;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Api.Tests.TestSupport;

/// <summary>
/// A real farm server for one test, over a fresh data directory (gRPC on 127.0.0.1 with an
/// HTTP/2-only port), and a real channel to it whose calls are recorded.
/// </summary>
internal sealed class ContentServer : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly FarmServer _server;

    private ContentServer(TempDirectory directory, FarmServer server, GrpcChannel channel)
    {
        _directory = directory;
        _server = server;
        Store = server.Services.GetRequiredService<ContentStore>();
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
        var server = await FarmServer.StartAsync(new FarmServerOptions
        {
            DataDirectory = directory.Combine("data"),
            ConfigureLogging = static logging => logging.ClearProviders(),
        });
        return new ContentServer(directory, server, GrpcChannel.ForAddress(server.Address));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _server.DisposeAsync();
        _directory.Dispose();
    }
}
