using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Limits;

/// <summary>
/// Counters in PostgreSQL, shared by every node: one row per policy, window length and key
/// (<c>limits_rate_counters</c>). A check is one transaction of conditional upserts, one per
/// window; a full window answers no row and the whole transaction is rolled back, so a refused
/// request counts nowhere. Rows of ended windows are reset in place by the next request, or
/// deleted by the purge.
/// </summary>
internal sealed class DatabaseRateCounterStore(IServiceScopeFactory scopes) : IRateCounterStore
{
    // The row is reset when this node's window is newer than the stored one, and counted when it
    // is the same window and has room. GREATEST keeps a node whose clock lags a little from
    // moving a window backwards.
    private const string CountSql = """
        INSERT INTO limits_rate_counters AS c (bucket, window_start, window_end, hits)
        VALUES (@bucket, @start, @end, 1)
        ON CONFLICT (bucket) DO UPDATE
        SET hits = CASE WHEN excluded.window_start > c.window_start THEN 1 ELSE c.hits + 1 END,
            window_start = GREATEST(c.window_start, excluded.window_start),
            window_end = GREATEST(c.window_end, excluded.window_end)
        WHERE excluded.window_start > c.window_start OR c.hits < @permits
        RETURNING hits
        """;

    private const string PeekSql = "SELECT window_start, hits FROM limits_rate_counters WHERE bucket = @bucket";

    public async ValueTask<RateLimitDecision> EvaluateAsync(RateLimitPolicy policy, string key, DateTimeOffset now, bool consume,
        CancellationToken cancellationToken)
    {
        var slots = RateLimitMath.Slots(policy, now);
        var counted = new long[slots.Length];
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        if (!consume)
        {
            var allowedNow = true;
            for (var i = 0; i < slots.Length; i++)
            {
                await using var command = Command(connection, null, PeekSql, ("bucket", RateLimitMath.Bucket(policy, slots[i].Window, key)));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                counted[i] = await reader.ReadAsync(cancellationToken) && reader.GetDateTime(0) >= slots[i].Start ? reader.GetInt64(1) : 0;
                allowedNow &= counted[i] < slots[i].Window.Permits;
            }
            return RateLimitMath.Decide(policy, slots, counted, allowedNow, now);
        }

        // Windows are always visited in the policy's order, so two checks of one key lock the
        // same rows in the same order and cannot deadlock.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var allowed = true;
        var full = new bool[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            await using var command = Command(connection, transaction.GetDbTransaction(), CountSql,
                ("bucket", RateLimitMath.Bucket(policy, slots[i].Window, key)),
                ("start", slots[i].Start),
                ("end", slots[i].End),
                ("permits", (long)slots[i].Window.Permits));
            var hits = await command.ExecuteScalarAsync(cancellationToken);
            if (hits is long count)
            {
                counted[i] = count;
            }
            else
            {
                full[i] = true;
                allowed = false;
            }
        }
        if (allowed)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        else
        {
            await transaction.RollbackAsync(cancellationToken);
            for (var i = 0; i < slots.Length; i++)
            {
                // A full window is at its limit; the others' counts were rolled back.
                counted[i] = full[i] ? slots[i].Window.Permits : counted[i] - 1;
            }
        }
        return RateLimitMath.Decide(policy, slots, counted, allowed, now);
    }

    public async Task<int> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var cutoff = now.UtcDateTime;
        return await db.Set<RateCounter>().Where(c => c.WindowEnd <= cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
