namespace BuildFarm.Execution.Networking.Internal;

/// <summary>
/// The host-wide lock under which engines create step bridges and sweep away those of dead
/// engines, so that a sweep never sees a bridge half-made (before its owner is written on it)
/// and two engines never claim one subnet. An exclusive open of the lock file is an flock on
/// Linux: it works between processes and within one, and goes when its holder dies.
/// </summary>
internal static class HostNetworkLock
{
    // The name from when it guarded subnets alone, kept so that engines of both versions exclude each other.
    private const string LockPath = "/run/buildfarm-step-subnets.lock";

    // The lock is held for a bridge's creation or a sweep, milliseconds; this bounds a wait for a wedged holder.
    private const int Attempts = 400;
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(25);

    /// <summary>Takes the lock; disposing the stream releases it.</summary>
    /// <exception cref="IOException">Another holder kept it for longer than ten seconds.</exception>
    public static async Task<FileStream> AcquireAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < Attempts)
            {
                await Task.Delay(Retry).ConfigureAwait(false);
            }
        }
    }
}
