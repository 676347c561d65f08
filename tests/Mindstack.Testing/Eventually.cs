using System.Diagnostics;

namespace Mindstack.Testing;

/// <summary>
/// Polls a condition with a generous deadline instead of sleeping a fixed time. The one poll-until
/// loop of the tests: a probe that asserts fails at once; one that is not done yet by the deadline
/// fails naming what it waited for and the last value seen.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Probes until <paramref name="done"/> holds for the value; returns that value.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null,
        TimeSpan? interval = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0} s waiting for {what}; last value: {value}");
            }
            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    /// <summary>Waits until an asynchronous condition holds.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(condition, ok => ok, what, timeout, interval);

    /// <summary>Waits until a condition holds.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, what, timeout, interval);

    /// <summary>
    /// Waits until the clock is in the first half of a minute, so a burst against limits whose
    /// windows are aligned to the minute cannot straddle a window boundary on a slow machine.
    /// </summary>
    public static Task EarlyInAMinuteAsync() =>
        UntilAsync(() => DateTime.UtcNow.Second <= 30, "the first half of a minute", TimeSpan.FromSeconds(35), TimeSpan.FromMilliseconds(250));
}
