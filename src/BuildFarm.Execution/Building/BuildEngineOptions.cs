using BuildFarm.Oci.Images;

namespace BuildFarm.Execution.Building;

/// <summary>How a silo builds.</summary>
public sealed class BuildEngineOptions
{
    /// <summary>How many steps (RUN, COPY, ...) run at once on this silo, across all builds.</summary>
    public int MaxConcurrentSteps { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>The name this silo's steps are reported under (a step's "silo").</summary>
    public string WorkerName { get; set; } = Environment.MachineName;

    /// <summary>How new layers are compressed.</summary>
    public LayerCompression Compression { get; set; } = LayerCompression.Gzip;

    /// <summary>
    /// The time every new layer's file times are clamped to and written as the image's
    /// <c>created</c>, unless the build sets the <c>SOURCE_DATE_EPOCH</c> build arg. The Unix
    /// epoch by default, so that the same inputs give the same layer and image digests on any
    /// silo, on any day — what content-based early cut-off and a shared cache rely on.
    /// </summary>
    public DateTimeOffset SourceDateEpoch { get; set; } = DateTimeOffset.UnixEpoch;

    /// <summary>Throws an <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (MaxConcurrentSteps < 1)
        {
            problems.Add($"MaxConcurrentSteps must be at least 1, not {MaxConcurrentSteps}");
        }

        if (string.IsNullOrWhiteSpace(WorkerName))
        {
            problems.Add("WorkerName must not be empty");
        }

        if (!Enum.IsDefined(Compression))
        {
            problems.Add($"Compression {Compression} is not a layer compression");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {nameof(BuildEngineOptions)}: {string.Join("; ", problems)}.");
        }
    }
}
