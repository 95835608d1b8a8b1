using System.Buffers;
using System.Text;

namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>
/// Splits a process's stdout and stderr into lines as they arrive, stamps them, hands them to
/// the sink one at a time, and keeps the last few for an error message.
/// </summary>
internal sealed class OutputCollector(OutputSink sink, TimeProvider time, int tailLines)
{
    /// <summary>A longer line is passed on in pieces of this many bytes, so a process cannot make us buffer without bound.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Queue<OutputLine> _tail = new();
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when reading either stream fails (the sink threw or was cancelled).</summary>
    public Task Failed => _failed.Task;

    /// <summary>The last lines, both streams in the order they were passed on.</summary>
    public IReadOnlyList<OutputLine> Tail
    {
        get
        {
            lock (_tail)
            {
                return [.. _tail];
            }
        }
    }

    /// <summary>Reads <paramref name="stream"/> to its end; a last line without a line break is passed on too.</summary>
    public async Task ReadAsync(Stream stream, OutputStreamKind kind, CancellationToken cancellationToken)
    {
        try
        {
            await ReadLinesAsync(stream, kind, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _failed.TrySetResult();
            throw;
        }
    }

    private async Task ReadLinesAsync(Stream stream, OutputStreamKind kind, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxLineBytes);
        try
        {
            var filled = 0;
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled, MaxLineBytes - filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (filled > 0)
                    {
                        await EmitAsync(kind, buffer.AsSpan(0, filled), cancellationToken).ConfigureAwait(false);
                    }

                    return;
                }

                var start = 0;
                var end = filled + read;
                for (var i = filled; i < end; i++)
                {
                    if (buffer[i] == (byte)'\n')
                    {
                        await EmitAsync(kind, buffer.AsSpan(start, i - start), cancellationToken).ConfigureAwait(false);
                        start = i + 1;
                    }
                }

                if (start == 0 && end == MaxLineBytes)
                {
                    await EmitAsync(kind, buffer.AsSpan(0, end), cancellationToken).ConfigureAwait(false);
                    start = end;
                }

                filled = end - start;
                Buffer.BlockCopy(buffer, start, buffer, 0, filled);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Task EmitAsync(OutputStreamKind kind, ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes is [.., (byte)'\r'])
        {
            bytes = bytes[..^1];
        }

        var line = new OutputLine(time.GetUtcNow(), kind, Encoding.UTF8.GetString(bytes));
        return PassOnAsync(line, cancellationToken);
    }

    private async Task PassOnAsync(OutputLine line, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > tailLines)
                {
                    _tail.Dequeue();
                }
            }

            await sink(line, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
