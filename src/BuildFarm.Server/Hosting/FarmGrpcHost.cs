using BuildFarm.Storage.Content;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace BuildFarm.Server.Hosting;

/// <summary>
/// Builds a web application that serves the content side of the gRPC API (context upload) on an
/// HTTP/2-only endpoint, without a silo: for tools and tests that only move blobs.
/// <see cref="FarmServer"/> is the whole farm.
/// </summary>
public static class FarmGrpcHost
{
    /// <summary>
    /// A web application serving <c>buildfarm.v1.Content</c> over <paramref name="store"/>, plus
    /// <c>grpc.health.v1</c> and server reflection. The caller starts it and owns the store.
    /// After start, <see cref="WebApplication.Urls"/> holds the address actually bound.
    /// </summary>
    public static WebApplication Create(ContentStore store, FarmGrpcHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(options.GrpcEndpoint, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(store);
        builder.Services.AddBuildFarmGrpc();
        var app = builder.Build();
        app.MapBuildFarmContentGrpc();
        return app;
    }
}
