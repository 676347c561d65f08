namespace Mindstack.Testing;

/// <summary>
/// The real clock plus an offset the test moves forward: timers, delays and timeouts keep running
/// in real time (the server's workers and sockets need that), while retries, token expiry, lockout
/// windows, TOTP steps and months can be crossed at once. For a clock that never moves on its own,
/// use <c>FakeTimeProvider</c>.
/// </summary>
public sealed class ShiftingClock : TimeProvider
{
    private long _offsetTicks;

    /// <summary>How far ahead of the real clock this one is.</summary>
    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
