using System.Collections.Concurrent;
using BuildFarm.Grains.Workers;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>Keeps what a worker reports of a step, as a coordinating silo's observer would pass it on.</summary>
public sealed class RecordingObserver : IStepObserver
{
    public ConcurrentQueue<string> StartedOn { get; } = new();

    public ConcurrentQueue<StepOutputLine> Lines { get; } = new();

    public Task<bool> StartedAsync(string silo)
    {
        StartedOn.Enqueue(silo);
        return Task.FromResult(true);
    }

    public Task OutputAsync(IReadOnlyList<StepOutputLine> lines)
    {
        foreach (var line in lines)
        {
            Lines.Enqueue(line);
        }

        return Task.CompletedTask;
    }
}
