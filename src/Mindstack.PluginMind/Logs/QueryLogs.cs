using Microsoft.EntityFrameworkCore;
using Mindstack.Platform.Storage;

namespace Mindstack.PluginMind.Logs;

/// <summary>Writes and reads the processing log.</summary>
internal sealed class QueryLogs(MindstackDbContext db, IIdGenerator ids, TimeProvider clock)
{
    public async Task WriteAsync(string? accountId, string analysisType, string input, bool success, TimeSpan elapsed, string? error,
        CancellationToken ct)
    {
        db.Add(new QueryLog
        {
            Id = ids.New("qlog"),
            AccountId = accountId,
            AnalysisType = analysisType,
            UserInput = QueryLog.Excerpt(input),
            Success = success,
            ResponseTimeMs = (long)elapsed.TotalMilliseconds,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ErrorMessage = error,
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The newest <paramref name="limit"/> entries, of one account or (null) everyone's.</summary>
    public async Task<(int Total, IReadOnlyList<QueryLog> Logs)> ListAsync(string? accountId, int limit, CancellationToken ct)
    {
        var query = db.Set<QueryLog>().AsNoTracking();
        if (accountId is not null)
        {
            query = query.Where(l => l.AccountId == accountId);
        }
        // total_logs counts every log in scope, not only the page returned.
        var total = await query.CountAsync(ct);
        var logs = await query.OrderByDescending(l => l.CreatedAt).ThenByDescending(l => l.Id).Take(limit).ToListAsync(ct);
        return (total, logs);
    }
}
