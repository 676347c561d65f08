using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Limits;

/// <summary>
/// Counts requests against <see cref="RateLimitPolicy"/> windows. On SQLite (one node) the
/// counters live in memory; on PostgreSQL they live in the database, so a limit holds across
/// every node. Keys are whatever the caller chooses: an account id, an API key id, a client
/// address (see <see cref="ClientAddress"/>).
/// </summary>
public interface IRateLimiter
{
    /// <summary>
    /// Counts one request for <paramref name="key"/> against every window of the policy when all
    /// have room (atomically: either every window counts it or none does), and says whether it may
    /// pass. A refused request is not counted.
    /// </summary>
    ValueTask<RateLimitDecision> AcquireAsync(RateLimitPolicy policy, string key, CancellationToken cancellationToken = default);

    /// <summary>The decision a request would get now, without counting anything.</summary>
    ValueTask<RateLimitDecision> PeekAsync(RateLimitPolicy policy, string key, CancellationToken cancellationToken = default);
}

/// <summary>
/// The outcome of a rate-limit check, described by the window that matters most: the one that
/// refused (the latest to reset, when several did), else the one with the fewest requests left.
/// </summary>
public sealed record RateLimitDecision(
    RateLimitPolicy Policy,
    bool Allowed,
    RateLimitWindow Window,
    int Remaining,
    DateTimeOffset ResetsAt,
    DateTimeOffset EvaluatedAt)
{
    /// <summary>The described window's permit count (<c>X-RateLimit-Limit</c>).</summary>
    public int Limit => Window.Permits;

    /// <summary>How long until the described window resets, in whole seconds rounded up (at least 1 when refused).</summary>
    public TimeSpan ResetsIn
    {
        get
        {
            var seconds = (long)Math.Ceiling(Math.Max(0, (ResetsAt - EvaluatedAt).TotalSeconds));
            return TimeSpan.FromSeconds(Allowed ? seconds : Math.Max(1, seconds));
        }
    }

    /// <summary>
    /// The refusal as a <see cref="ProblemKind.RateLimited"/> problem carrying <c>Retry-After</c>;
    /// the API's Dialect renders its shape and code.
    /// </summary>
    public Problem ToProblem(string? message = null)
    {
        var retryAfter = (long)ResetsIn.TotalSeconds;
        var text = message ?? Policy.Message
            ?? $"Rate limit exceeded: {Window}. Retry in {retryAfter.ToString(CultureInfo.InvariantCulture)} seconds.";
        return new Problem(ProblemKind.RateLimited, text, details: new { Limit, Window = RateLimitWindow.Describe(Window.Length), RetryAfter = retryAfter })
            .WithHeader("Retry-After", retryAfter.ToString(CultureInfo.InvariantCulture));
    }
}

internal sealed class RateLimiter(IRateCounterStore store, TimeProvider clock) : IRateLimiter
{
    public ValueTask<RateLimitDecision> AcquireAsync(RateLimitPolicy policy, string key, CancellationToken cancellationToken = default) =>
        store.EvaluateAsync(policy, RateLimitMath.NormalizeKey(key), clock.GetUtcNow(), consume: true, cancellationToken);

    public ValueTask<RateLimitDecision> PeekAsync(RateLimitPolicy policy, string key, CancellationToken cancellationToken = default) =>
        store.EvaluateAsync(policy, RateLimitMath.NormalizeKey(key), clock.GetUtcNow(), consume: false, cancellationToken);
}

/// <summary>Where counters are kept: in memory (one node) or in the database (every node).</summary>
internal interface IRateCounterStore
{
    /// <summary>Checks, and when <paramref name="consume"/> is set and every window has room, counts.</summary>
    ValueTask<RateLimitDecision> EvaluateAsync(RateLimitPolicy policy, string key, DateTimeOffset now, bool consume, CancellationToken cancellationToken);

    /// <summary>Forgets counters whose windows have all ended; returns how many were removed.</summary>
    Task<int> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A policy window as it stands at one instant.</summary>
internal readonly record struct WindowSlot(RateLimitWindow Window, DateTime Start, DateTime End);

internal static class RateLimitMath
{
    /// <summary>The fixed, epoch-aligned window of each of the policy's windows that contains <paramref name="now"/>.</summary>
    public static WindowSlot[] Slots(RateLimitPolicy policy, DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        var slots = new WindowSlot[policy.Windows.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            var window = policy.Windows[i];
            var length = window.Length.Ticks;
            var start = ticks - ((ticks - DateTime.UnixEpoch.Ticks) % length);
            slots[i] = new WindowSlot(window, new DateTime(start, DateTimeKind.Utc), new DateTime(start + length, DateTimeKind.Utc));
        }
        return slots;
    }

    /// <summary>A counter's name: policy, window length and key (hashed when long).</summary>
    public static string Bucket(RateLimitPolicy policy, RateLimitWindow window, string key) =>
        policy.Name + "|" + ((long)window.Length.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "|" + key;

    public static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return key.Length <= 200 ? key : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>
    /// The decision from each window's count after the check (<paramref name="counted"/> includes
    /// this request when it was counted).
    /// </summary>
    public static RateLimitDecision Decide(RateLimitPolicy policy, WindowSlot[] slots, long[] counted, bool allowed, DateTimeOffset now)
    {
        var chosen = -1;
        for (var i = 0; i < slots.Length; i++)
        {
            if (allowed)
            {
                // The window with the fewest requests left; on a tie, the one that resets first.
                if (chosen < 0 || Left(slots, counted, i) < Left(slots, counted, chosen)
                    || (Left(slots, counted, i) == Left(slots, counted, chosen) && slots[i].End < slots[chosen].End))
                {
                    chosen = i;
                }
            }
            else if (counted[i] >= slots[i].Window.Permits && (chosen < 0 || slots[i].End > slots[chosen].End))
            {
                // Of the full windows, the one that frees up last: retrying sooner would be refused again.
                chosen = i;
            }
        }
        var slot = slots[chosen];
        return new RateLimitDecision(policy, allowed, slot.Window, allowed ? (int)Left(slots, counted, chosen) : 0,
            new DateTimeOffset(slot.End), now);
    }

    private static long Left(WindowSlot[] slots, long[] counted, int i) => Math.Max(0, slots[i].Window.Permits - counted[i]);
}
