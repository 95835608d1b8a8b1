namespace BuildFarm.Dockerfile.Scoping;

/// <summary>
/// Build args Docker defines without an ARG: the proxy variables (reach RUN steps in both
/// spellings without entering cache keys or history; an ARG of the same name is an ARG as any other) and the platform variables (global ARGs from
/// the start, visible in a stage once declared there with a bare <c>ARG NAME</c>).
/// </summary>
public static class PredefinedArgs
{
    /// <summary>The platform this farm builds on and for.</summary>
    public const string DefaultPlatform = "linux/amd64";

    /// <summary>Proxy variables RUN steps receive from <c>--build-arg</c> even when no ARG declares them.</summary>
    public static IReadOnlyList<string> ProxyNames { get; } =
    [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
        "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    ];

    /// <summary>The five proxy variables in lower case, in the order BuildKit sets them.</summary>
    private static readonly string[] ProxyKinds = ["http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy"];

    /// <summary>Names of the automatic platform args, in BuildKit's order.</summary>
    public static IReadOnlyList<string> PlatformNames { get; } =
    [
        "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
        "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE",
    ];

    public static bool IsProxy(string name) => ProxyNames.Contains(name, StringComparer.Ordinal);

    /// <summary>
    /// The proxy variables every RUN step gets, as BuildKit sets them: each of the five given as a
    /// build arg in any case (of several spellings, the last in ordinal order wins) is set in both
    /// spellings, upper case first; an empty value sets neither. Declared or not, an ARG does not
    /// change them; they never enter a cache key or the history.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ProxyEnvironment(IReadOnlyDictionary<string, string> buildArgs)
    {
        ArgumentNullException.ThrowIfNull(buildArgs);
        var environment = new List<KeyValuePair<string, string>>();
        foreach (var lower in ProxyKinds)
        {
            var value = buildArgs
                .Where(a => string.Equals(a.Key, lower, StringComparison.OrdinalIgnoreCase))
                .OrderBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => a.Value)
                .LastOrDefault();
            if (!string.IsNullOrEmpty(value))
            {
                environment.Add(KeyValuePair.Create(lower.ToUpperInvariant(), value));
                environment.Add(KeyValuePair.Create(lower, value));
            }
        }

        return environment;
    }

    public static bool IsPlatform(string name) => PlatformNames.Contains(name, StringComparer.Ordinal);

    /// <summary>
    /// The automatic global args for building <paramref name="platform"/> on itself, with the target
    /// stage's name (<c>default</c> when it has none), each overridable by a build arg of the same name.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Platform(string platform, string? targetStage, IReadOnlyDictionary<string, string> buildArgs)
    {
        var parts = platform.Split('/');
        var os = parts[0];
        var architecture = parts.Length > 1 ? parts[1] : string.Empty;
        var variant = parts.Length > 2 ? parts[2] : string.Empty;
        string[] values =
        [
            platform, os, string.Empty, architecture, variant,
            platform, os, string.Empty, architecture, variant,
            string.IsNullOrEmpty(targetStage) ? "default" : targetStage,
        ];
        return PlatformNames
            .Select((name, i) => KeyValuePair.Create(name, buildArgs.TryGetValue(name, out var given) ? given : values[i]))
            .ToList();
    }
}
