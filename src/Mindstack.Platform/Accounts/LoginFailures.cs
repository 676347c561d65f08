using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Accounts;

/// <summary>
/// Failed sign-ins, one row each, counted in the database so that the limit holds across
/// nodes. The window slides: an attempt is refused while the last <c>MaxFailures</c> failures
/// all fall within the window, until the oldest of them leaves it.
/// </summary>
internal sealed class LoginFailures(MindstackDbContext db, IIdGenerator ids, TimeProvider clock)
{
    /// <summary>Throws a RateLimited problem (with <c>Retry-After</c>) while the key is locked out.</summary>
    public async Task EnsureAllowedAsync(string loginKey, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        if (throttle.MaxFailures <= 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - throttle.Window;
        var oldestCounted = await db.Set<LoginFailure>().AsNoTracking()
            .Where(f => f.LoginKey == loginKey && f.FailedAt > since)
            .OrderByDescending(f => f.FailedAt)
            .Skip(throttle.MaxFailures - 1)
            .Select(f => (DateTime?)f.FailedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (oldestCounted is { } failedAt)
        {
            throw Problem.RateLimited("Too many failed login attempts, please try again later", failedAt + throttle.Window - now);
        }
    }

    public async Task RecordAsync(string loginKey, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        db.Add(new LoginFailure { Id = ids.New("lf"), LoginKey = loginKey, FailedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        var expired = now - throttle.Window;
        await db.Set<LoginFailure>().Where(f => f.LoginKey == loginKey && f.FailedAt <= expired).ExecuteDeleteAsync(cancellationToken);
        if (Random.Shared.Next(50) == 0)
        {
            // Now and then, forget failures of logins nobody retried.
            var stale = now - TimeSpan.FromDays(1);
            await db.Set<LoginFailure>().Where(f => f.FailedAt <= stale).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
