using System.Diagnostics;
using System.Text;

namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// Decompresses through a program (<c>bzip2 -dc</c>, <c>xz -dc</c>), as Docker's archive package
/// does for xz: the input is fed to its stdin from a task and <see cref="Output"/> streams its
/// stdout. Disposing kills a program still running, so a reader may stop early.
/// </summary>
internal sealed class ExternalDecompressor : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _feed;
    private readonly StringBuilder _errors = new();

    private ExternalDecompressor(string program, Stream input, CancellationToken cancellationToken)
    {
        Program = program;
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-dc");
        _process = Process.Start(start) ?? throw new IOException($"Cannot start {program}.");
        _process.ErrorDataReceived += (_, line) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(line.Data);
            }
        };
        _process.BeginErrorReadLine();
        _feed = FeedAsync(input, cancellationToken);
    }

    public string Program { get; }

    /// <summary>The decompressed bytes.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    public static ExternalDecompressor Start(string program, Stream input, CancellationToken cancellationToken) =>
        new(program, input, cancellationToken);

    /// <summary>Waits for the program to finish and fails when it reported an error (a corrupt or truncated stream).</summary>
    /// <exception cref="InvalidDataException">The program failed.</exception>
    public async Task WaitForSuccessAsync(CancellationToken cancellationToken)
    {
        IOException? feedError = null;
        try
        {
            await _feed.ConfigureAwait(false);
        }
        catch (IOException error)
        {
            feedError = error; // a program that fails stops reading: its exit code says more
        }

        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (_process.ExitCode != 0 || feedError is not null)
        {
            string errors;
            lock (_errors)
            {
                errors = _errors.ToString().Trim();
            }

            throw new InvalidDataException($"{Program} could not decompress the archive (exit code {_process.ExitCode}): {errors}", feedError);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        try
        {
            await _feed.ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The program was killed (or stopped reading) before it took all of its input.
        }

        _process.Dispose();
    }

    private async Task FeedAsync(Stream input, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await input.CopyToAsync(_process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited first; WaitForSuccessAsync reports why.
            }
        }
    }
}
