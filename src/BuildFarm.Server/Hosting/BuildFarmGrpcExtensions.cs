using BuildFarm.Server.Builds;
using BuildFarm.Server.Content;
using BuildFarm.Server.Hosting.Internal;
using BuildFarm.Server.Images;
using BuildFarm.Server.Images.Internal;
using BuildFarm.Server.Ssh;
using BuildFarm.Server.Storage;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Registers and maps the farm's gRPC services, for hosts that build their own application.</summary>
public static class BuildFarmGrpcExtensions
{
    /// <summary>The full names of the farm's own services, as grpc.health.v1 and reflection know them.</summary>
    public static IReadOnlyList<string> ServiceNames { get; } =
    [
        BuildFarm.Api.V1.Content.Descriptor.FullName,
        BuildFarm.Api.V1.Builds.Descriptor.FullName,
        BuildFarm.Api.V1.Images.Descriptor.FullName,
        BuildFarm.Api.V1.Storage.Descriptor.FullName,
    ];

    /// <summary>
    /// Adds gRPC with the farm's services, health checks and reflection. The host registers the
    /// silo's <see cref="BuildFarm.Storage.Content.ContentStore"/> as a singleton.
    /// </summary>
    public static IGrpcServerBuilder AddBuildFarmGrpc(this IServiceCollection services)
    {
        var grpc = services.AddGrpc();
        grpc.AddServiceOptions<ImagesService>(options => options.Interceptors.Add<ImageErrorInterceptor>());
        // grpc.health.v1 reports Unknown when no check is registered: the store is what the API needs.
        // Each service answers by its own name too ("" is the server as a whole), as clients
        // that check the service they are about to call expect.
        services.AddGrpcHealthChecks(options =>
        {
            foreach (var service in ServiceNames)
            {
                options.Services.Map(service, static _ => true);
            }
        }).AddCheck<ContentStoreHealthCheck>("content-store");
        services.AddGrpcReflection();
        return grpc;
    }

    /// <summary>Maps <c>buildfarm.v1.Content</c>, <c>Builds</c>, <c>Images</c>, <c>Storage</c> and <c>SshAgents</c>, <c>grpc.health.v1.Health</c> and server reflection.</summary>
    public static IEndpointRouteBuilder MapBuildFarmGrpc(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<ContentService>();
        endpoints.MapGrpcService<BuildsService>();
        endpoints.MapGrpcService<ImagesService>();
        endpoints.MapGrpcService<StorageService>();
        endpoints.MapGrpcService<SshAgentsService>();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }
}
