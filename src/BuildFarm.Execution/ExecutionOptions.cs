namespace BuildFarm.Execution;

/// <summary>How a silo runs steps. Where it keeps its state is the content store's data directory.</summary>
public sealed class ExecutionOptions
{
    /// <summary>Debian's runc; crun 1.8 cannot run here (cgroups in hybrid mode).</summary>
    public string RuncPath { get; set; } = "/usr/sbin/runc";

    /// <summary>
    /// The hostname of every sandbox. BuildKit's, so that <c>RUN hostname &gt; f</c> gives the
    /// same file as <c>docker build</c>.
    /// </summary>
    public string Hostname { get; set; } = "buildkitsandbox";

    /// <summary>How many of the last output lines a failed process's error shows.</summary>
    public int FailureOutputLines { get; set; } = 10;

    /// <summary>
    /// Whether the directory a layer was just written from (a step's upper dir, a
    /// <c>COPY --link</c> directory) becomes the layer's snapshot where that is exact, instead of
    /// the layer being unpacked from its blob when a later step mounts it. Off, every snapshot is
    /// unpacked: for comparing the two, and a way back should promotion ever be in doubt.
    /// </summary>
    public bool PromoteLayerDirectories { get; set; } = true;

    /// <summary>Throws an <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(RuncPath) || !Path.IsPathFullyQualified(RuncPath))
        {
            problems.Add($"RuncPath '{RuncPath}' is not an absolute path");
        }
        else if (!File.Exists(RuncPath))
        {
            problems.Add($"RuncPath '{RuncPath}' does not exist (install Debian's runc)");
        }

        // A hostname label: what sethostname and /etc/hosts accept without surprises.
        if (Hostname.Length is 0 or > 63 || !Hostname.All(static c => char.IsAsciiLetterOrDigit(c) || c == '-') || Hostname[0] == '-')
        {
            problems.Add($"Hostname '{Hostname}' is not a hostname label (1-63 letters, digits and '-', not starting with '-')");
        }

        if (FailureOutputLines < 0)
        {
            problems.Add($"FailureOutputLines must not be negative, not {FailureOutputLines}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {nameof(ExecutionOptions)}: {string.Join("; ", problems)}.");
        }
    }
}
