using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace BuildFarm.Grains.Internal;

/// <summary>
/// Grain calls that a silo's death interrupts. Between a silo dying and the cluster declaring it
/// dead, calls to grains it hosted fail; once it is declared dead they are activated elsewhere
/// (their state is in grain storage), so such calls are worth making again for a while.
/// </summary>
public static class SiloLoss
{
    // Past the time the cluster takes to declare a dead silo dead (about 10 s tuned, 30 s by default).
    private const int MaxAttempts = 30;
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(2);

    /// <summary>Whether <paramref name="e"/> says the silo that should answer is gone or unreachable.</summary>
    public static bool IsSiloLost(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or TimeoutException;

    /// <summary>Makes an idempotent call, again while the silo that should answer it is lost, for up to a minute.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < MaxAttempts && (IsSiloLost(e) || IsLookupCancelled(e, cancellationToken)))
            {
                await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The grain directory cancels the lookups a partition was serving when a silo's loss moves
    // that partition's range to another silo: the caller, which cancelled nothing, gets an
    // OperationCanceledException for a call that the recovered directory will place.
    private static bool IsLookupCancelled(Exception e, CancellationToken cancellationToken) =>
        e is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    /// <inheritdoc cref="RetryAsync{T}(Func{Task{T}}, CancellationToken)"/>
    public static Task RetryAsync(Func<Task> call, CancellationToken cancellationToken) =>
        RetryAsync(
            async () =>
            {
                await call().ConfigureAwait(false);
                return true;
            },
            cancellationToken);
}
