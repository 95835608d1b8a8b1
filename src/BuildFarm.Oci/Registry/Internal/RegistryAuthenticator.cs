using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BuildFarm.Oci.Registry.Auth;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>
/// Authenticates the requests to one registry. Requests start anonymous; the registry's 401
/// challenge says how to authenticate: Basic (send the credential from then on) or Bearer (get a
/// token for the request's scopes from the challenge's realm, with the credential when there is
/// one, and reuse it for every request it covers until it expires).
/// </summary>
internal sealed class RegistryAuthenticator(string registry, RegistryClientOptions options, RetryingSender sender)
{
    // Docker's token spec: a token without expires_in lives 60 seconds.
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);

    // Stop using a token a little before it expires: it must still be valid when the registry checks it.
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(5);

    private const int TokenResponseLimit = 1024 * 1024;

    private readonly SemaphoreSlim _tokenFetch = new(1, 1);
    private readonly List<BearerToken> _tokens = [];
    private readonly Lazy<Task<RegistryCredential?>> _credential =
        new(() => options.Credentials.GetCredentialAsync(registry, CancellationToken.None).AsTask());

    private readonly SemaphoreSlim _firstExchange = new(1, 1);
    private volatile bool _schemeSettled;
    private volatile Scheme _scheme;
    private volatile AuthChallenge? _bearerChallenge;

    private enum Scheme
    {
        Anonymous,
        Basic,
        Bearer,
    }

    /// <summary>
    /// Until one exchange with the registry has shown how it authenticates, requests go one at a
    /// time: parallel blob transfers would otherwise each collect a 401 and each fetch a token.
    /// True when the caller holds the first exchange and must call <see cref="EndFirstExchange"/>.
    /// </summary>
    public async ValueTask<bool> BeginExchangeAsync(CancellationToken cancellationToken)
    {
        if (_schemeSettled)
        {
            return false;
        }

        await _firstExchange.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_schemeSettled)
        {
            _firstExchange.Release();
            return false;
        }

        return true;
    }

    public void EndFirstExchange()
    {
        _schemeSettled = true;
        _firstExchange.Release();
    }

    public async ValueTask AuthorizeAsync(HttpRequestMessage request, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        switch (_scheme)
        {
            case Scheme.Basic when await GetCredentialAsync(cancellationToken).ConfigureAwait(false) is { } credential:
                request.Headers.Authorization = BasicHeader(credential);
                break;
            case Scheme.Bearer:
                var token = FindToken(scopes) ?? await FetchTokenAsync(scopes, cancellationToken).ConfigureAwait(false);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                break;
        }
    }

    /// <summary>
    /// Prepares to answer a 401. True when a retry can succeed (a new scheme, a fresh token, or a
    /// token that a parallel request got meanwhile); false when it cannot (no credential, or the
    /// credential was sent and refused).
    /// </summary>
    public async Task<bool> AnswerChallengeAsync(HttpResponseMessage unauthorized, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var sent = unauthorized.RequestMessage?.Headers.Authorization;
        var challenges = AuthChallenge.FromResponse(unauthorized);
        if (challenges.FirstOrDefault(static c => c.IsBearer && c["realm"] is not null) is { } bearer)
        {
            _bearerChallenge = bearer;
            _scheme = Scheme.Bearer;
            var wanted = WithChallengeScope(scopes, bearer["scope"]);
            var current = FindToken(wanted);
            if (current is not null && current != sent?.Parameter)
            {
                return true; // another request got a token meanwhile
            }

            ForgetTokens(wanted);
            await FetchTokenAsync(wanted, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (challenges.Any(static c => c.IsBasic)
            && sent?.Scheme != "Basic"
            && await GetCredentialAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            _scheme = Scheme.Basic;
            return true;
        }

        return false;
    }

    /// <summary>Why a request stayed unauthorized, for the error message.</summary>
    public async Task<string> DescribeRefusalAsync(HttpResponseMessage unauthorized, CancellationToken cancellationToken)
    {
        var bearer = AuthChallenge.FromResponse(unauthorized).FirstOrDefault(static c => c.IsBearer);
        if (bearer?["error"] == "insufficient_scope")
        {
            return $"registry {registry} did not grant the access '{string.Join(' ', (bearer["scope"] ?? "").Split(' ').Select(RegistryScopes.Normalize))}'";
        }

        return await GetCredentialAsync(cancellationToken).ConfigureAwait(false) is { } credential
            ? $"registry {registry} refused the credentials of user '{credential.Username}'"
            : $"registry {registry} requires authentication and no credentials are configured for it";
    }

    // The registry's challenge names the access it wants; ask for it too unless our scopes cover it.
    private static IReadOnlyList<string> WithChallengeScope(IReadOnlyList<string> scopes, string? challengeScope)
    {
        if (challengeScope is null)
        {
            return scopes;
        }

        var granted = RegistryScopes.Grants(scopes);
        var missing = challengeScope.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(scope => !granted.IsSupersetOf(RegistryScopes.Grants([scope])));
        return [.. scopes, .. missing];
    }

    private Task<RegistryCredential?> GetCredentialAsync(CancellationToken cancellationToken) =>
        _credential.Value.WaitAsync(cancellationToken);

    private string? FindToken(IReadOnlyList<string> scopes)
    {
        var grants = RegistryScopes.Grants(scopes);
        var now = options.TimeProvider.GetUtcNow();
        lock (_tokens)
        {
            _tokens.RemoveAll(t => t.UsableUntil <= now);
            return _tokens.FirstOrDefault(t => t.Grants.IsSupersetOf(grants))?.Value;
        }
    }

    // A token the registry refused is no use for these scopes any more; without this, the retry would send it again.
    private void ForgetTokens(IReadOnlyList<string> scopes)
    {
        var grants = RegistryScopes.Grants(scopes);
        lock (_tokens)
        {
            _tokens.RemoveAll(t => t.Grants.IsSupersetOf(grants));
        }
    }

    private async Task<string> FetchTokenAsync(IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        // One fetch at a time, so that parallel blob transfers share one token instead of each getting their own.
        await _tokenFetch.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (FindToken(scopes) is { } cached)
            {
                return cached;
            }

            var challenge = _bearerChallenge!;
            var credential = await GetCredentialAsync(cancellationToken).ConfigureAwait(false);
            var requestedAt = options.TimeProvider.GetUtcNow();
            var uri = TokenUri(challenge, scopes, credential);
            using var response = await sender.SendAsync(
                _ =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, uri);
                    if (credential is not null)
                    {
                        request.Headers.Authorization = BasicHeader(credential);
                    }

                    return ValueTask.FromResult(request);
                },
                cancellationToken).ConfigureAwait(false);

            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    ? $"the token server of registry {registry} refused {(credential is null ? "anonymous access" : $"the credentials of user '{credential.Username}'")}"
                    : $"the token server of registry {registry} failed";
                throw await HttpContentReader.ToExceptionAsync(response, hint, cancellationToken).ConfigureAwait(false);
            }

            var body = await HttpContentReader.ReadLimitedAsync(response, TokenResponseLimit, "token response", cancellationToken).ConfigureAwait(false);
            var (value, lifetime) = ParseToken(body, uri);
            var token = new BearerToken(value, RegistryScopes.Grants(scopes), requestedAt + lifetime - ExpiryMargin);
            lock (_tokens)
            {
                _tokens.Add(token);
            }

            return value;
        }
        finally
        {
            _tokenFetch.Release();
        }
    }

    private static Uri TokenUri(AuthChallenge challenge, IReadOnlyList<string> scopes, RegistryCredential? credential)
    {
        var query = new StringBuilder();
        void Add(string name, string value) =>
            query.Append(query.Length == 0 ? "" : "&").Append(name).Append('=').Append(Uri.EscapeDataString(value));

        if (challenge["service"] is { } service)
        {
            Add("service", service);
        }

        foreach (var scope in scopes.Distinct(StringComparer.Ordinal))
        {
            Add("scope", scope);
        }

        if (credential is not null)
        {
            Add("account", credential.Username);
        }

        var realm = new UriBuilder(challenge["realm"]!);
        realm.Query = string.IsNullOrEmpty(realm.Query) ? query.ToString() : $"{realm.Query.TrimStart('?')}&{query}";
        return realm.Uri;
    }

    private static (string Value, TimeSpan Lifetime) ParseToken(byte[] body, Uri uri)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var value = String(root, "token") ?? String(root, "access_token")
                ?? throw new RegistryException($"GET {uri}: the token response has neither 'token' nor 'access_token'.");
            var lifetime = root.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt64(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultTokenLifetime;
            return (value, lifetime);
        }
        catch (JsonException e)
        {
            throw new RegistryException($"GET {uri}: the token response is not JSON: {e.Message}", innerException: e);
        }

        static string? String(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
    }

    private static AuthenticationHeaderValue BasicHeader(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));

    private sealed record BearerToken(string Value, HashSet<string> Grants, DateTimeOffset UsableUntil);
}
