using System.Collections.Concurrent;
using System.Net;
using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>
/// Sends registry API requests: builds the URL, authenticates (answering one 401 challenge per
/// request), retries, and turns unexpected answers into <see cref="RegistryException"/>.
/// </summary>
internal sealed class RegistryTransport : IDisposable
{
    private readonly HttpClient _http;
    private readonly RegistryClientOptions _options;
    private readonly RetryingSender _sender;
    private readonly ConcurrentDictionary<string, RegistryAuthenticator> _authenticators = new(StringComparer.OrdinalIgnoreCase);

    public RegistryTransport(RegistryClientOptions options, HttpMessageHandler? handler)
    {
        _options = options;
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan; // RetryingSender times each attempt; a blob body may stream for long.
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _sender = new RetryingSender(_http, options);
    }

    public Uri RepositoryUri(RepositoryName repository, string relative) =>
        RegistryEndpoint.RepositoryUri(repository, _options.InsecureRegistries, relative);

    /// <summary>
    /// Sends the request made by <paramref name="createRequest"/> (called once per attempt) and
    /// returns the response when its status is one of <paramref name="expected"/>.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(
        RepositoryName repository,
        IReadOnlyList<string> scopes,
        Func<CancellationToken, ValueTask<HttpRequestMessage>> createRequest,
        IReadOnlyCollection<HttpStatusCode> expected,
        CancellationToken cancellationToken)
    {
        var authenticator = _authenticators.GetOrAdd(repository.Registry, r => new RegistryAuthenticator(r, _options, _sender));

        async ValueTask<HttpRequestMessage> CreateAuthorized(CancellationToken ct)
        {
            var request = await createRequest(ct).ConfigureAwait(false);
            await authenticator.AuthorizeAsync(request, scopes, ct).ConfigureAwait(false);
            return request;
        }

        HttpResponseMessage response;
        var firstExchange = await authenticator.BeginExchangeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            response = await _sender.SendAsync(CreateAuthorized, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized
                && await authenticator.AnswerChallengeAsync(response, scopes, cancellationToken).ConfigureAwait(false))
            {
                response.Dispose();
                response = await _sender.SendAsync(CreateAuthorized, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (firstExchange)
            {
                authenticator.EndFirstExchange();
            }
        }

        if (expected.Contains(response.StatusCode))
        {
            return response;
        }

        using (response)
        {
            var hint = response.StatusCode == HttpStatusCode.Unauthorized
                ? await authenticator.DescribeRefusalAsync(response, cancellationToken).ConfigureAwait(false)
                : null;
            throw await HttpContentReader.ToExceptionAsync(response, hint, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _http.Dispose();
}
