using System.Net;
using BuildFarm.Oci.Registry;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace BuildFarm.Server.Images.Internal;

/// <summary>
/// Turns the failures of image work that a client causes or meets (bad names, unknown images,
/// unreadable archives, registry errors) into status codes whose detail is the message users see.
/// Anything else is a bug and stays an exception.
/// </summary>
internal sealed class ImageErrorInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (ToStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (ToStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (ToStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    private static Status? ToStatus(Exception e) => e switch
    {
        FormatException or InvalidImageArchiveException => new Status(StatusCode.InvalidArgument, e.Message),
        ImageNotFoundException => new Status(StatusCode.NotFound, e.Message),
        ImageConflictException => new Status(StatusCode.FailedPrecondition, e.Message),
        RegistryException registry => new Status(Code(registry.StatusCode), e.Message),
        // An unreachable registry, or pulled content that is not what the registry said it is.
        HttpRequestException or BlobMismatchException => new Status(StatusCode.Unknown, e.Message),
        _ => null,
    };

    private static StatusCode Code(HttpStatusCode? status) => status switch
    {
        HttpStatusCode.NotFound => StatusCode.NotFound,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        _ => StatusCode.Unknown,
    };
}
