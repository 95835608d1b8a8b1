using System.Globalization;

namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>The samples of a Prometheus text exposition, as <c>/metrics</c> serves it.</summary>
internal static class MetricsSamples
{
    /// <summary><c>name{labels}</c> to value, comments left out.</summary>
    public static Dictionary<string, double> Parse(string exposition) =>
        exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith('#'))
            .ToDictionary(line => line[..line.LastIndexOf(' ')], line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
