namespace BuildFarm.Storage;

/// <summary>Where a silo keeps its content store and how much disk it may use.</summary>
public sealed class ContentStoreOptions
{
    /// <summary>The silo's data directory; blobs live in <c>&lt;DataDirectory&gt;/blobs/sha256/&lt;hex&gt;</c>.</summary>
    public string DataDirectory { get; set; } = string.Empty;

    /// <summary>When a write takes the store above this many bytes, least recently used blobs are evicted.</summary>
    public long MaxBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>
    /// Eviction stops once the store holds at most this many bytes. Keeping it below
    /// <see cref="MaxBytes"/> gives headroom so that not every write over the limit pays for an eviction.
    /// </summary>
    public long LowWaterBytes { get; set; } = 16L * 1024 * 1024 * 1024;

    /// <summary>Throws an <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            problems.Add("DataDirectory is empty");
        }
        else if (!Path.IsPathFullyQualified(DataDirectory))
        {
            // A relative path would silently depend on the working directory of whoever starts the silo.
            problems.Add($"DataDirectory '{DataDirectory}' is not an absolute path");
        }

        if (MaxBytes <= 0)
        {
            problems.Add($"MaxBytes must be positive, not {MaxBytes}");
        }

        if (LowWaterBytes < 0)
        {
            problems.Add($"LowWaterBytes must not be negative, not {LowWaterBytes}");
        }
        else if (LowWaterBytes > MaxBytes && MaxBytes > 0)
        {
            problems.Add($"LowWaterBytes ({LowWaterBytes}) must not exceed MaxBytes ({MaxBytes})");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {nameof(ContentStoreOptions)}: {string.Join("; ", problems)}.");
        }
    }
}
