using System.Globalization;

namespace Mindstack.Platform.Limits;

/// <summary>
/// One window of a policy: at most <see cref="Permits"/> requests per <see cref="Length"/>.
/// Windows are <b>fixed</b> and aligned to the Unix epoch (a minute window resets at every whole
/// minute, a day window at UTC midnight, a 15-minute window at :00, :15, :30 and :45), so every
/// node computes the same window for the same instant and <c>Reset</c> is one exact time that a
/// client can wait for. A burst of up to twice the permits across a window boundary is the known
/// price of fixed windows; it buys counters that are one atomic row update on PostgreSQL.
/// </summary>
public sealed record RateLimitWindow
{
    public RateLimitWindow(int permits, TimeSpan length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        if (length < TimeSpan.FromSeconds(1) || length.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A window is a whole number of seconds, at least one.");
        }
        Permits = permits;
        Length = length;
    }

    /// <summary>How many requests the window admits.</summary>
    public int Permits { get; }

    /// <summary>How long the window is (whole seconds).</summary>
    public TimeSpan Length { get; }

    public static RateLimitWindow PerMinute(int permits) => new(permits, TimeSpan.FromMinutes(1));

    public static RateLimitWindow PerMinutes(int minutes, int permits) => new(permits, TimeSpan.FromMinutes(minutes));

    public static RateLimitWindow PerHour(int permits) => new(permits, TimeSpan.FromHours(1));

    public static RateLimitWindow PerDay(int permits) => new(permits, TimeSpan.FromDays(1));

    /// <summary>"100 per 1 minute", for messages.</summary>
    public override string ToString() => $"{Permits.ToString(CultureInfo.InvariantCulture)} per {Describe(Length)}";

    internal static string Describe(TimeSpan length) => length switch
    {
        { TotalDays: >= 1 } when length.Ticks % TimeSpan.TicksPerDay == 0 => Plural((long)length.TotalDays, "day"),
        { TotalHours: >= 1 } when length.Ticks % TimeSpan.TicksPerHour == 0 => Plural((long)length.TotalHours, "hour"),
        { TotalMinutes: >= 1 } when length.Ticks % TimeSpan.TicksPerMinute == 0 => Plural((long)length.TotalMinutes, "minute"),
        _ => Plural((long)length.TotalSeconds, "second"),
    };

    private static string Plural(long count, string unit) =>
        count == 1 ? "1 " + unit : count.ToString(CultureInfo.InvariantCulture) + " " + unit + "s";
}

/// <summary>
/// A named rate limit: one or more windows that must all have room for a request to pass (e.g.
/// 100 per minute and 1,000 per day). Counters are kept per policy name, window length and key,
/// so a policy name identifies one kind of limit (<c>example.auth</c>); two policies with the
/// same name and window lengths share their counters, whatever their permit counts (which lets a
/// per-app limit change without resetting what was counted).
/// </summary>
public sealed record RateLimitPolicy
{
    public RateLimitPolicy(string name, IReadOnlyList<RateLimitWindow> windows, string? message = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            throw new ArgumentException("A policy has at least one window.", nameof(windows));
        }
        if (windows.Select(w => w.Length).Distinct().Count() != windows.Count)
        {
            throw new ArgumentException("A policy has at most one window of each length.", nameof(windows));
        }
        Name = name;
        Windows = windows;
        Message = message;
    }

    public RateLimitPolicy(string name, params RateLimitWindow[] windows)
        : this(name, (IReadOnlyList<RateLimitWindow>)windows)
    {
    }

    /// <summary>The counters' namespace, e.g. <c>example.tier</c>: the API's name, a dot, the kind of limit.</summary>
    public string Name { get; }

    /// <summary>Every window that must have room.</summary>
    public IReadOnlyList<RateLimitWindow> Windows { get; }

    /// <summary>The refusal's message; null means one naming the window that refused.</summary>
    public string? Message { get; }

    /// <summary>The same windows under another message.</summary>
    public RateLimitPolicy WithMessage(string message) => new(Name, Windows, message);

    public override string ToString() => $"{Name} ({string.Join(" + ", Windows)})";
}
