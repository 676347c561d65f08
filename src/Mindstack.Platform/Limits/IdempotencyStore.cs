using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Limits;

internal enum ClaimOutcome
{
    /// <summary>This request holds the key and runs.</summary>
    Won,
    /// <summary>A first request with this key and body finished; replay its response.</summary>
    Completed,
    /// <summary>A first request with this key and body is still running.</summary>
    Running,
    /// <summary>The key was used with another request.</summary>
    Mismatch,
}

internal sealed record Claim(ClaimOutcome Outcome, string? Token = null, IdempotencyRecord? Record = null);

/// <summary>
/// The idempotency keys in the database. The first request inserts its key (the primary key is
/// scope + key, the insert does nothing on a conflict): exactly one of any number of concurrent
/// requests, on any number of nodes, wins the insert and runs. Never check-then-insert.
/// </summary>
internal sealed class IdempotencyStore(IServiceScopeFactory scopes, TimeProvider clock, IIdGenerator ids, IOptions<LimitsOptions> options)
{
    private const int MaxClaimAttempts = 5;

    public async Task<Claim> ClaimAsync(string scope, string key, string requestHash, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var token = ids.New("idem");
            await using var services = scopes.CreateAsyncScope();
            var db = services.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO limits_idempotency_keys (scope, idempotency_key, request_hash, lock_token, created_at, lease_until, expires_at)
                VALUES ({scope}, {key}, {requestHash}, {token}, {now}, {now + settings.IdempotencyLease}, {now + settings.IdempotencyRetention})
                ON CONFLICT (scope, idempotency_key) DO NOTHING
                """, cancellationToken);
            if (inserted == 1)
            {
                return new Claim(ClaimOutcome.Won, token);
            }

            var keys = db.Set<IdempotencyRecord>().Where(r => r.Scope == scope && r.IdempotencyKey == key);
            var record = await keys.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
            if (record is null)
            {
                // Released (a failed first run) between our insert and our read: try again.
                continue;
            }
            if (record.ExpiresAt <= now)
            {
                // Past retention the key is free again, whether or not the purge has run yet.
                await keys.Where(r => r.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
                continue;
            }
            if (!string.Equals(record.RequestHash, requestHash, StringComparison.Ordinal))
            {
                return new Claim(ClaimOutcome.Mismatch, Record: record);
            }
            if (record.CompletedAt is not null)
            {
                return new Claim(ClaimOutcome.Completed, Record: record);
            }
            if (record.LeaseUntil <= now)
            {
                // The first attempt's node died mid-run: take the key over, if no one else just did.
                var leaseUntil = now + settings.IdempotencyLease;
                var taken = await keys
                    .Where(r => r.LockToken == record.LockToken && r.CompletedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.LockToken, token).SetProperty(r => r.LeaseUntil, leaseUntil), cancellationToken);
                if (taken == 1)
                {
                    return new Claim(ClaimOutcome.Won, token);
                }
                continue;
            }
            return new Claim(ClaimOutcome.Running, Record: record);
        }
        // The key changed hands several times in a row; the caller waits and asks again.
        return new Claim(ClaimOutcome.Running);
    }

    /// <summary>Stores the response of the run holding <paramref name="token"/>.</summary>
    public async Task CompleteAsync(string scope, string key, string token, int status, string headers, byte[] body,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var services = scopes.CreateAsyncScope();
        var db = services.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await db.Set<IdempotencyRecord>()
            .Where(r => r.Scope == scope && r.IdempotencyKey == key && r.LockToken == token && r.CompletedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.CompletedAt, now)
                .SetProperty(r => r.ResponseStatus, status)
                .SetProperty(r => r.ResponseHeaders, headers)
                .SetProperty(r => r.ResponseBody, body), cancellationToken);
    }

    /// <summary>Frees the key after a failed run, so that a retry runs.</summary>
    public async Task ReleaseAsync(string scope, string key, string token, CancellationToken cancellationToken)
    {
        await using var services = scopes.CreateAsyncScope();
        var db = services.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await db.Set<IdempotencyRecord>()
            .Where(r => r.Scope == scope && r.IdempotencyKey == key && r.LockToken == token && r.CompletedAt == null)
            .ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Deletes keys past their retention.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now.UtcDateTime;
        await using var services = scopes.CreateAsyncScope();
        var db = services.ServiceProvider.GetRequiredService<MindstackDbContext>();
        return await db.Set<IdempotencyRecord>().Where(r => r.ExpiresAt <= cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
