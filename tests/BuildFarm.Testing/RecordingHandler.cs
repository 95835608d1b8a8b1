using System.Net;

namespace BuildFarm.Testing;

/// <summary>One request that went through a <see cref="RecordingHandler"/>, and the status it got (null when it threw).</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, HttpStatusCode? Status)
{
    public string PathAndQuery => Uri.PathAndQuery;

    public override string ToString() => $"{Method} {Uri.PathAndQuery} -> {(Status is null ? "error" : ((int)Status).ToString(System.Globalization.CultureInfo.InvariantCulture))}";
}

/// <summary>
/// An HTTP handler in front of the real network that records every request, and can answer or
/// fail a request in place of the server (<see cref="Fault"/>) or change a real answer
/// (<see cref="Transform"/>) — fault injection for a client talking to a real registry.
/// </summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<RecordedRequest> _requests = [];

    /// <summary>Returns an answer to give instead of the server's, throws to fake a network error, or returns null to pass.</summary>
    public Func<HttpRequestMessage, HttpResponseMessage?>? Fault { get; set; }

    /// <summary>Replaces (or returns) the server's answer.</summary>
    public Func<HttpResponseMessage, Task<HttpResponseMessage>>? Transform { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public void Clear()
    {
        lock (_requests)
        {
            _requests.Clear();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = Fault?.Invoke(request);
            if (response is not null)
            {
                response.RequestMessage = request;
                return response;
            }

            response = await base.SendAsync(request, cancellationToken);
            if (Transform is not null)
            {
                response = await Transform(response);
            }

            return response;
        }
        finally
        {
            lock (_requests)
            {
                _requests.Add(new RecordedRequest(request.Method, request.RequestUri!, response?.StatusCode));
            }
        }
    }
}
