using System.Net;

namespace BuildFarm.Oci.Registry;

/// <summary>
/// A registry request failed. The message names the request (method and URL), the HTTP status
/// and the registry's error codes, e.g.
/// <c>GET http://127.0.0.1:5000/v2/app/manifests/v1: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown</c>.
/// </summary>
public sealed class RegistryException : Exception
{
    public RegistryException(string message, HttpStatusCode? statusCode = null, IReadOnlyList<RegistryError>? errors = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Errors = errors ?? [];
    }

    /// <summary>The registry's answer, or null when it gave none (network error, bad content).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The errors of the distribution spec's error body, when the registry sent one.</summary>
    public IReadOnlyList<RegistryError> Errors { get; }
}

/// <summary>One entry of a registry error body: <c>{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry"}</c>.</summary>
public sealed record RegistryError(string Code, string Message);
