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

    /// <summary>The server process's resident memory now and at its peak (VmRSS, VmHWM), in MiB.</summary>
    public (double Now, double Peak) ResidentMebibytes()
    {
        var fields = File.ReadAllLines($"/proc/{process.Id}/status")
            .Select(static line => line.Split(':', 2))
            .Where(static parts => parts.Length == 2)
            .ToDictionary(static parts => parts[0], static parts => parts[1].Trim());
        return (Kibibytes(fields["VmRSS"]) / 1024, Kibibytes(fields["VmHWM"]) / 1024);

        static double Kibibytes(string value) => double.Parse(value.Split(' ')[0], CultureInfo.InvariantCulture);
    }

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
