using System.Diagnostics;
using System.Globalization;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks.Farm;

/// <summary>
/// A running <c>farm server</c>: its address and the requests it logged; disposing stops it with
/// SIGTERM and waits for it to exit.
/// </summary>
public sealed class FarmServer(Process process, Uri address, ServerRequestLog requests, Task<string> error) : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public Uri Address { get; } = address;

    public ServerRequestLog Requests { get; } = requests;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                await ProcessRunner.RunCheckedAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
                try
                {
                    await process.WaitForExitAsync().WaitAsync(StopTimeout);
                }
                catch (TimeoutException)
                {
                    process.Kill(entireProcessTree: true);
                    throw new InvalidOperationException($"farm server did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM:\n{await error}");
                }
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
