using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace BuildFarm.Testing;

/// <summary>One request a <see cref="TokenServer"/> answered.</summary>
public sealed record TokenRequest(string? Account, string? AuthenticatedUser, IReadOnlyList<string> Scopes, string? Service, HttpStatusCode Status);

/// <summary>
/// A docker token-auth server (the docker "token authentication specification") for a real
/// registry configured with <c>auth: token</c>: it answers <c>GET /token?service=..&amp;scope=..</c>,
/// checks HTTP basic credentials, and issues RS256 JWTs with an <c>x5c</c> header whose
/// self-signed certificate is the registry's <c>rootcertbundle</c>. Authenticated users get the
/// actions they ask for (read-only users only <c>pull</c>); anonymous callers get <c>pull</c> when
/// <see cref="TokenServerOptions.AnonymousPull"/> is on, else nothing.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    public const string Issuer = "buildfarm-test-token-issuer";

    private readonly HttpListener _listener;
    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly TokenServerOptions _options;
    private readonly string _service;
    private readonly List<TokenRequest> _requests = [];
    private readonly Task _serving;

    private TokenServer(HttpListener listener, int port, string service, TokenServerOptions options)
    {
        _listener = listener;
        _service = service;
        _options = options;
        Realm = new Uri($"http://127.0.0.1:{port}/token");
        _key = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + Issuer, _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        _certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The token endpoint, the <c>realm</c> of the registry's challenges.</summary>
    public Uri Realm { get; }

    /// <summary>The signing certificate in PEM, for the registry's <c>rootcertbundle</c>.</summary>
    public string CertificatePem => _certificate.ExportCertificatePem();

    public IReadOnlyList<TokenRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static TokenServer Start(string service, TokenServerOptions options)
    {
        // Bounded: another process may take the free port between picking and binding it.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Pick();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new TokenServer(listener, port, service, options);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Answer(context);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var query = context.Request.QueryString;
        var scopes = query.GetValues("scope")?.SelectMany(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList() ?? [];
        var account = query["account"];
        var service = query["service"];
        var (user, authenticated) = Authenticate(context.Request.Headers["Authorization"]);

        HttpStatusCode status;
        string? body = null;
        if (context.Request.Url?.AbsolutePath != "/token")
        {
            status = HttpStatusCode.NotFound;
        }
        else if (!authenticated)
        {
            status = HttpStatusCode.Unauthorized;
            context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"token\"");
            body = """{"errors":[{"code":"UNAUTHORIZED","message":"invalid username or password"}]}""";
        }
        else if (service != _service)
        {
            status = HttpStatusCode.BadRequest;
            body = $$"""{"errors":[{"code":"DENIED","message":"unknown service '{{service}}'"}]}""";
        }
        else
        {
            status = HttpStatusCode.OK;
            var token = IssueToken(user, scopes);
            var issuedAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            body = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["token"] = token,
                ["access_token"] = token,
                ["expires_in"] = (int)_options.TokenLifetime.TotalSeconds,
                ["issued_at"] = issuedAt,
            });
        }

        // Recorded before the answer goes out: a client that has its token may go on at once, and
        // a test that then reads Requests must find this request there.
        lock (_requests)
        {
            _requests.Add(new TokenRequest(account, user, scopes, service, status));
        }

        if (body is null)
        {
            context.Response.StatusCode = (int)status;
        }
        else
        {
            Write(context.Response, status, body);
        }
    }

    // (user, ok): no header is an anonymous caller; a wrong password is not.
    private (string? User, bool Ok) Authenticate(string? header)
    {
        if (header is null)
        {
            return (null, true);
        }

        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return (null, false);
        }

        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (null, false);
        }

        var user = decoded[..colon];
        return _options.Users.TryGetValue(user, out var password) && password == decoded[(colon + 1)..]
            ? (user, true)
            : (null, false);
    }

    private string IssueToken(string? user, IReadOnlyList<string> scopes)
    {
        var access = new List<object>();
        foreach (var scope in scopes)
        {
            // repository:<name>:<actions>; the name may hold no colon, the actions come last.
            var parts = scope.Split(':');
            if (parts.Length != 3 || parts[0] != "repository")
            {
                continue;
            }

            var granted = parts[2].Split(',')
                .Where(action => user is null
                    ? _options.AnonymousPull && action == "pull"
                    : action == "pull" || !_options.ReadOnlyUsers.Contains(user))
                .ToArray();
            access.Add(new { type = "repository", name = parts[1], actions = granted });
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new { alg = "RS256", typ = "JWT", x5c = new[] { Convert.ToBase64String(_certificate.RawData) } };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = user ?? string.Empty,
            ["aud"] = _service,
            ["exp"] = now + (long)_options.TokenLifetime.TotalSeconds,
            ["nbf"] = now - 60,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signed = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signed}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static void Write(HttpListenerResponse response, HttpStatusCode status, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        response.StatusCode = (int)status;
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: after Stop, .NET's managed listener looks the port up again on Close and, not
        // finding it, binds it anew — which fails when another test has taken the port meanwhile.
        _listener.Close();
        await _serving;
        _certificate.Dispose();
        _key.Dispose();
    }
}

/// <summary>Who a <see cref="TokenServer"/> knows and what it grants.</summary>
public sealed record TokenServerOptions
{
    /// <summary>User name to password.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>Users that get <c>pull</c> but never <c>push</c>.</summary>
    public IReadOnlySet<string> ReadOnlyUsers { get; init; } = new HashSet<string>();

    public bool AnonymousPull { get; init; }

    /// <summary>The <c>expires_in</c> of issued tokens (also their JWT lifetime).</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(5);
}
