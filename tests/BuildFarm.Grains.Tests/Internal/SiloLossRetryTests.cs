using BuildFarm.Grains.Internal;

namespace BuildFarm.Grains.Tests.Internal;

/// <summary>Which failures of a grain call <see cref="SiloLoss.RetryAsync{T}"/> makes again.</summary>
public sealed class SiloLossRetryTests
{
    [Fact]
    public async Task A_call_cancelled_by_the_runtime_while_its_caller_cancelled_nothing_is_made_again()
    {
        var attempts = 0;

        var result = await SiloLoss.RetryAsync(
            () => ++attempts == 1 ? Task.FromException<string>(new OperationCanceledException("a directory lookup cancelled by a range moving")) : Task.FromResult("placed"),
            CancellationToken.None);

        Assert.Equal(("placed", 2), (result, attempts));
    }

    [Fact]
    public async Task A_call_its_caller_cancelled_is_not_made_again()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var attempts = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SiloLoss.RetryAsync(
            () =>
            {
                attempts++;
                return Task.FromException<string>(new OperationCanceledException(cancelled.Token));
            },
            cancelled.Token));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_call_that_fails_for_another_reason_is_not_made_again()
    {
        var attempts = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloLoss.RetryAsync(
            () =>
            {
                attempts++;
                return Task.FromException<string>(new InvalidOperationException("no such build"));
            },
            CancellationToken.None));

        Assert.Equal(("no such build", 1), (error.Message, attempts));
    }
}
