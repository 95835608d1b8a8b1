using System.Net;
using System.Text;

namespace BuildFarm.Testing;

/// <summary>How a <see cref="RegistryServer"/> authenticates its clients.</summary>
public enum RegistryAuth
{
    /// <summary>Anyone may pull and push.</summary>
    None,

    /// <summary>HTTP basic auth against an htpasswd file of <see cref="RegistryServerOptions.Users"/>.</summary>
    Htpasswd,

    /// <summary>Bearer tokens from an in-test <see cref="TokenServer"/> for <see cref="RegistryServerOptions.Users"/>.</summary>
    Token,
}

public sealed record RegistryServerOptions
{
    public RegistryAuth Auth { get; init; } = RegistryAuth.None;

    /// <summary>User name to password, for <see cref="RegistryAuth.Htpasswd"/> and <see cref="RegistryAuth.Token"/>.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>The token server's grants, when <see cref="Auth"/> is <see cref="RegistryAuth.Token"/>; its users are <see cref="Users"/>.</summary>
    public TokenServerOptions Token { get; init; } = new();
}

/// <summary>
/// A real registry — Debian's <c>docker-registry</c> (distribution 2.8) — on 127.0.0.1 with a free
/// port and filesystem storage in a temp directory, from a config this class writes (never the
/// packaged one, which listens on every interface). Killed and deleted on dispose.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/docker-registry";
    public const string TokenService = "buildfarm-test-registry";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory;
    private readonly ReadyProcess _process;
    private readonly StringBuilder _log;

    private RegistryServer(TempDirectory directory, ReadyProcess process, StringBuilder log, int port, TokenServer? tokenServer)
    {
        _directory = directory;
        _process = process;
        _log = log;
        Port = port;
        TokenServer = tokenServer;
    }

    public int Port { get; }

    /// <summary>The registry as written in image references: <c>127.0.0.1:&lt;port&gt;</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{Host}/");

    /// <summary>The token server, when the registry uses <see cref="RegistryAuth.Token"/>.</summary>
    public TokenServer? TokenServer { get; }

    /// <summary>Everything the registry printed so far (its request log included).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<RegistryServer> StartAsync(RegistryServerOptions? options = null)
    {
        options ??= new RegistryServerOptions();
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run deploy/host-packages.sh (Debian package docker-registry).");
        }

        var directory = new TempDirectory("buildfarm-registry");
        TokenServer? tokenServer = null;
        try
        {
            var authConfig = await WriteAuthConfigAsync(directory, options, server => tokenServer = server);

            // Bounded: another process may take the free port between picking and binding it.
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort.Pick();
                var config = directory.Combine("config.yml");
                await File.WriteAllTextAsync(config, Config(directory, port, authConfig));
                var log = new StringBuilder();
                var process = await ReadyProcess.StartAsync(Executable, ["serve", config], $"listening on 127.0.0.1:{port}", StartTimeout, log);
                if (process is not null)
                {
                    var server = new RegistryServer(directory, process, log, port, tokenServer);
                    await server.EnsureAnsweringAsync();
                    return server;
                }

                if (!log.ToString().Contains("address already in use", StringComparison.Ordinal) || attempt == 5)
                {
                    throw new InvalidOperationException($"docker-registry exited before listening on 127.0.0.1:{port}:\n{log}");
                }
            }
        }
        catch
        {
            if (tokenServer is not null)
            {
                await tokenServer.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    private static async Task<string> WriteAuthConfigAsync(TempDirectory directory, RegistryServerOptions options, Action<TokenServer> tokenServerStarted)
    {
        switch (options.Auth)
        {
            case RegistryAuth.None:
                return string.Empty;
            case RegistryAuth.Htpasswd:
                var entries = new StringBuilder();
                foreach (var (user, password) in options.Users)
                {
                    entries.Append(await ProcessRunner.RunCheckedAsync("htpasswd", ["-Bbn", user, password]));
                }

                var htpasswd = directory.Combine("htpasswd");
                await File.WriteAllTextAsync(htpasswd, entries.ToString());
                return $"""
                    auth:
                      htpasswd:
                        realm: buildfarm-test
                        path: {htpasswd}
                    """;
            case RegistryAuth.Token:
                var tokenServer = TokenServer.Start(TokenService, options.Token with { Users = options.Users });
                tokenServerStarted(tokenServer);
                var bundle = directory.Combine("token-issuer.pem");
                await File.WriteAllTextAsync(bundle, tokenServer.CertificatePem);
                return $"""
                    auth:
                      token:
                        realm: {tokenServer.Realm}
                        service: {TokenService}
                        issuer: {TokenServer.Issuer}
                        rootcertbundle: {bundle}
                    """;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Auth, "unknown registry auth");
        }
    }

    private static string Config(TempDirectory directory, int port, string authConfig) => $"""
        version: 0.1
        log:
          level: info
        storage:
          filesystem:
            rootdirectory: {directory.Combine("storage")}
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:{port}
          secret: buildfarm-test-secret
        {authConfig}
        """;

    // The log line says the socket is bound; one request proves the API answers. Bounded attempts,
    // each waiting only for the registry's answer.
    private async Task EnsureAnsweringAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "v2/"));
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }

                if (attempt == 3)
                {
                    throw new InvalidOperationException($"docker-registry answered /v2/ with {(int)response.StatusCode}:\n{Log}");
                }
            }
            catch (HttpRequestException) when (attempt < 3)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.KillAsync(StartTimeout);
        _process.Dispose();
        if (TokenServer is not null)
        {
            await TokenServer.DisposeAsync();
        }

        _directory.Dispose();
    }
}
