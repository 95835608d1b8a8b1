using System.CommandLine;
using BuildFarm.Cli.Building;
using BuildFarm.Client.Builds;
using BuildFarm.Oci.Registry;
using BuildFarm.Oci.Registry.Auth;

namespace BuildFarm.Cli;

/// <summary>What every command shares: the process environment and the global options, with what they resolve to.</summary>
internal sealed class FarmContext(FarmEnvironment environment)
{
    public FarmEnvironment Environment { get; } = environment;

    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Where images and layers are kept (default: $FARM_DATA_DIR, else $XDG_DATA_HOME/buildfarm, else ~/.local/share/buildfarm).",
        Recursive = true,
    };

    public Option<string[]> InsecureRegistries { get; } = new("--insecure-registry")
    {
        Description = "A registry (host[:port]) to reach over plain HTTP. Repeatable; loopback registries always are.",
        Recursive = true,
    };

    public Option<string?> DockerConfig { get; } = new("--docker-config")
    {
        Description = "The directory of the docker config.json with registry credentials (default: $DOCKER_CONFIG, else ~/.docker).",
        Recursive = true,
    };

    public Option<string?> Server { get; } = new("--server")
    {
        Description = "The farm's address, http://host:port; several, separated by commas, for a cluster: the first silo that answers is used (default: $FARM_SERVER, else this machine's farm server, started when none runs).",
        Recursive = true,
    };

    public void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(DataDir);
        root.Options.Add(InsecureRegistries);
        root.Options.Add(DockerConfig);
    }

    /// <summary>The data directory: <c>--data-dir</c>, else <c>$FARM_DATA_DIR</c>, else the XDG data home's <c>buildfarm</c>.</summary>
    public string DataDirectory(ParseResult parseResult)
    {
        if (NonEmpty(parseResult.GetValue(DataDir) ?? Environment.GetVariable("FARM_DATA_DIR")) is { } chosen)
        {
            return Path.GetFullPath(chosen);
        }

        // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
        var dataHome = NonEmpty(Environment.GetVariable("XDG_DATA_HOME")) is { } xdg && Path.IsPathFullyQualified(xdg)
            ? xdg
            : Path.Combine(Environment.HomeDirectory, ".local", "share");
        return Path.Combine(dataHome, "buildfarm");
    }

    /// <summary>A registry client with the docker config's credentials and the insecure registries given.</summary>
    public RegistryClient CreateRegistryClient(ParseResult parseResult) =>
        new(new RegistryClientOptions
        {
            Credentials = new DockerConfigCredentials(Path.Combine(DockerConfigDirectory(parseResult), "config.json")),
            InsecureRegistries = new HashSet<string>(parseResult.GetValue(InsecureRegistries) ?? [], StringComparer.OrdinalIgnoreCase),
            TimeProvider = Environment.Time,
        });

    /// <summary>
    /// What a farm server started on demand is given: this command's registry settings, since
    /// pulls and pushes run on the server. A server that runs already keeps its own.
    /// </summary>
    public IReadOnlyList<string> LocalServerOptions(ParseResult parseResult) =>
        ["--docker-config", DockerConfigDirectory(parseResult), .. (parseResult.GetValue(InsecureRegistries) ?? []).SelectMany(static registry => new[] { "--insecure-registry", registry })];

    /// <summary>A client of the farm: <c>--server</c>, else <c>$FARM_SERVER</c>, else the data directory's own server, started if need be.</summary>
    public async Task<FarmClient> ConnectAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var given = NonEmpty(parseResult.GetValue(Server) ?? Environment.GetVariable("FARM_SERVER"));
        if (given is null)
        {
            return FarmClient.Connect(await LocalServer.FindOrStartAsync(DataDirectory(parseResult), LocalServerOptions(parseResult), parseResult.InvocationConfiguration.Error, cancellationToken).ConfigureAwait(false));
        }

        var addresses = given.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static address => new Uri(address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address))
            .ToList();
        if (addresses.Count == 1)
        {
            return FarmClient.Connect(addresses[0]);
        }

        try
        {
            return await FarmClient.ConnectAsync(addresses, cancellationToken).ConfigureAwait(false);
        }
        catch (FarmUnavailableException e)
        {
            throw new FarmException(e.Message);
        }
    }

    /// <summary>The directory of docker's config.json: <c>--docker-config</c>, else <c>$DOCKER_CONFIG</c>, else <c>~/.docker</c>.</summary>
    private string DockerConfigDirectory(ParseResult parseResult) =>
        Path.GetFullPath(NonEmpty(parseResult.GetValue(DockerConfig) ?? Environment.GetVariable("DOCKER_CONFIG")) ?? Path.Combine(Environment.HomeDirectory, ".docker"));

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
