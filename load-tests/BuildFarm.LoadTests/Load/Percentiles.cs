namespace BuildFarm.LoadTests.Load;

/// <summary>Percentiles by the nearest-rank method: the smallest value with at least p% of the values at or below it.</summary>
public static class Percentiles
{
    public static TimeSpan Of(IReadOnlyList<TimeSpan> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
