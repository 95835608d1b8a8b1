namespace BuildFarm.Oci.Registry;

/// <summary>
/// How often and how patiently a registry request is retried after a 5xx answer or a network
/// error. 4xx answers are never retried: they say the request itself is wrong. The delay doubles
/// from <see cref="InitialDelay"/> up to <see cref="MaxDelay"/>; there is no jitter, because a
/// build farm talks to a registry from a handful of silos, not from a herd of clients.
/// </summary>
public sealed record RetryPolicy
{
    public static RetryPolicy Default { get; } = new();

    /// <summary>Attempts in total, the first one included. 1 means no retries.</summary>
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 for the first retry).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 2);
        var factor = Math.Pow(2, attempt - 2);
        var ticks = Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    internal void Validate()
    {
        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"RetryPolicy.MaxAttempts is {MaxAttempts}; it must be at least 1.");
        }

        if (InitialDelay < TimeSpan.Zero || MaxDelay < InitialDelay)
        {
            throw new ArgumentException($"RetryPolicy delays are invalid: InitialDelay {InitialDelay} must be >= 0 and <= MaxDelay {MaxDelay}.");
        }
    }
}
