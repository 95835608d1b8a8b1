using System.Net;
using Microsoft.Extensions.Logging;

namespace BuildFarm.Server.Hosting;

/// <summary>Where and how <see cref="FarmGrpcHost"/> serves the gRPC API.</summary>
public sealed class FarmGrpcHostOptions
{
    /// <summary>
    /// The endpoint for gRPC. It speaks HTTP/2 only, which is what lets clients use gRPC without
    /// TLS (h2c): an HTTP/1-and-2 port needs TLS to negotiate the protocol. Port 0 picks a free port.
    /// </summary>
    public IPEndPoint GrpcEndpoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>Sets up logging; the default keeps ASP.NET Core's (console) providers.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}
