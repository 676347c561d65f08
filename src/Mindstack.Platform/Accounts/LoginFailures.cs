using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>A sign-in attempt holding a place among the counted failures until its outcome is known.</summary>
internal sealed record LoginAttempt(string? RowId);

/// <summary>
/// Failed sign-ins, one row each, counted in the database so that the limit holds across
/// nodes. The window slides: an attempt is refused while <c>MaxFailures</c> failures fall within
/// the window, until the oldest of them leaves it.
/// Race-free by insert-then-count: every attempt first writes its row (as if it will fail), then
/// counts the rows in the window, its own included, and is refused when there are more than
/// <c>MaxFailures</c>. Of attempts racing at the limit, the last to count sees every row written
/// before it, so no more than the limit get to check a password; an attempt that is refused or
/// turns out not to be a failure removes its row again.
/// </summary>
internal sealed class LoginFailures(MindstackDbContext db, IIdGenerator ids, TimeProvider clock)
{
    /// <summary>
    /// Takes a place for an attempt, or throws a RateLimited problem (with <c>Retry-After</c>)
    /// while the key is locked out. Follow with <see cref="FailedAsync"/> or <see cref="ForgetAsync"/>.
    /// </summary>
    public async Task<LoginAttempt> BeginAsync(string loginKey, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        if (throttle.MaxFailures <= 0)
        {
            return new LoginAttempt(null);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new LoginFailure { Id = ids.New("lf"), LoginKey = loginKey, FailedAt = now };
        db.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(row).State = EntityState.Detached;

        var since = now - throttle.Window;
        var counted = await db.Set<LoginFailure>().AsNoTracking()
            .Where(f => f.LoginKey == loginKey && f.FailedAt > since && f.Id != row.Id)
            .OrderByDescending(f => f.FailedAt)
            .Take(throttle.MaxFailures)
            .Select(f => f.FailedAt)
            .ToListAsync(cancellationToken);
        if (counted.Count >= throttle.MaxFailures)
        {
            await ForgetAsync(new LoginAttempt(row.Id), CancellationToken.None);
            var oldest = counted.Min();
            var retryAfter = oldest + throttle.Window - now;
            throw Problem.RateLimited("Too many failed login attempts, please try again later",
                retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1));
        }
        return new LoginAttempt(row.Id);
    }

    /// <summary>The attempt failed: its row stays counted. Also forgets failures that left the window.</summary>
    public async Task FailedAsync(string loginKey, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        if (throttle.MaxFailures <= 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = now - throttle.Window;
        await db.Set<LoginFailure>().Where(f => f.LoginKey == loginKey && f.FailedAt <= expired).ExecuteDeleteAsync(cancellationToken);
        if (Random.Shared.Next(50) == 0)
        {
            // Now and then, forget failures of logins nobody retried.
            var stale = now - TimeSpan.FromDays(1);
            await db.Set<LoginFailure>().Where(f => f.FailedAt <= stale).ExecuteDeleteAsync(cancellationToken);
        }
    }

    /// <summary>The attempt was no failure (signed in, or stopped for another reason): its row goes.</summary>
    public async Task ForgetAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        if (attempt.RowId is { } id)
        {
            await db.Set<LoginFailure>().Where(f => f.Id == id).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
