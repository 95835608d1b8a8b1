using BuildFarm.Oci.Registry.Auth;

namespace BuildFarm.Oci.Registry;

/// <summary>Settings of a <see cref="RegistryClient"/>; checked once when the client is made.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Where credentials for a registry come from. None by default: anonymous access.</summary>
    public ICredentialProvider Credentials { get; init; } = NoCredentials.Instance;

    /// <summary>
    /// Registries (<c>host[:port]</c>, as in an image reference) reached over plain HTTP. Loopback
    /// registries (localhost, 127.0.0.0/8, ::1) always are; every other registry gets HTTPS.
    /// </summary>
    public IReadOnlySet<string> InsecureRegistries { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>The clock for retry delays and token expiry.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long to wait for a registry's response headers before giving the attempt up.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Blobs up to this size are uploaded in one PUT; bigger ones in chunks.</summary>
    public long MonolithicUploadLimit { get; init; } = 32L * 1024 * 1024;

    /// <summary>The size of one PATCH of a chunked upload; also what a chunked upload holds in memory.</summary>
    public int UploadChunkSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>How many blobs one pull or push transfers at the same time.</summary>
    public int MaxConcurrentTransfers { get; init; } = 3;

    public string UserAgent { get; init; } = "BuildFarm";

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Credentials);
        ArgumentNullException.ThrowIfNull(InsecureRegistries);
        ArgumentNullException.ThrowIfNull(Retry);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        Retry.Validate();
        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"RequestTimeout is {RequestTimeout}; it must be positive.");
        }

        if (MonolithicUploadLimit < 0)
        {
            throw new ArgumentException($"MonolithicUploadLimit is {MonolithicUploadLimit}; it must be >= 0.");
        }

        if (UploadChunkSize < 1)
        {
            throw new ArgumentException($"UploadChunkSize is {UploadChunkSize}; it must be at least 1.");
        }

        if (MaxConcurrentTransfers < 1)
        {
            throw new ArgumentException($"MaxConcurrentTransfers is {MaxConcurrentTransfers}; it must be at least 1.");
        }
    }
}
