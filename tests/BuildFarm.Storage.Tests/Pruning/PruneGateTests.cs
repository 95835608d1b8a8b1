using BuildFarm.Storage.Pruning;

namespace BuildFarm.Storage.Tests.Pruning;

public sealed class PruneGateTests
{
    [Fact]
    public async Task Works_share_the_gate_and_a_prune_waits_until_the_last_one_leaves()
    {
        var gate = new PruneGate();
        var first = await gate.EnterWorkAsync();
        var second = await gate.EnterWorkAsync();
        var waiting = new TaskCompletionSource();
        gate.PruneWaiting += () => waiting.TrySetResult();

        var prune = gate.EnterPruneAsync().AsTask();
        await waiting.Task;
        first.Dispose();
        Assert.False(prune.IsCompleted);
        second.Dispose();

        (await prune).Dispose();
        Assert.Equal(0, gate.RunningWorks);
    }

    [Fact]
    public async Task Work_that_comes_while_a_prune_waits_waits_for_the_prune_to_end()
    {
        var gate = new PruneGate();
        var running = await gate.EnterWorkAsync();
        var pruneWaiting = new TaskCompletionSource();
        var workWaiting = new TaskCompletionSource();
        gate.PruneWaiting += () => pruneWaiting.TrySetResult();
        gate.WorkWaiting += () => workWaiting.TrySetResult();
        var prune = gate.EnterPruneAsync().AsTask();
        await pruneWaiting.Task;

        var later = gate.EnterWorkAsync().AsTask();
        await workWaiting.Task;
        running.Dispose();
        var pruning = await prune;
        Assert.False(later.IsCompleted);
        Assert.Equal(0, gate.RunningWorks);

        pruning.Dispose();
        (await later).Dispose();
    }

    [Fact]
    public async Task A_prune_cancelled_while_it_waits_lets_held_work_through_again()
    {
        var gate = new PruneGate();
        var running = await gate.EnterWorkAsync();
        using var cancel = new CancellationTokenSource();
        var waiting = new TaskCompletionSource();
        gate.PruneWaiting += () => waiting.TrySetResult();
        var prune = gate.EnterPruneAsync(cancel.Token).AsTask();
        await waiting.Task;

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => prune);
        (await gate.EnterWorkAsync()).Dispose();
        running.Dispose();
        (await gate.EnterPruneAsync()).Dispose();
    }

    [Fact]
    public async Task Prunes_take_turns()
    {
        var gate = new PruneGate();
        var first = await gate.EnterPruneAsync();

        var second = gate.EnterPruneAsync().AsTask();
        Assert.False(second.IsCompleted);
        first.Dispose();

        (await second).Dispose();
    }
}
