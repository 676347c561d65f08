using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.PluginMind.Usage;

/// <summary>An account's standing this month.</summary>
internal sealed record UsageSnapshot(int QueriesUsed, int QueriesLimit, string SubscriptionTier)
{
    public int RemainingQueries => Math.Max(0, QueriesLimit - QueriesUsed);

    public bool CanMakeQuery => QueriesUsed < QueriesLimit;
}

/// <summary>
/// Monthly query counts per account and tier. A query is reserved before the work (atomically,
/// so concurrent requests can never exceed the limit) and released if the work fails, so a failed
/// upstream call is never charged. Months are UTC calendar months: a new month is a new counter.
/// </summary>
internal sealed class UsageMeter(MindstackDbContext db, IOptions<PluginMindOptions> options, TimeProvider clock)
{
    // Compiled once per model: the read behind GET /me/usage, without EF's per-request LINQ work.
    private static readonly CompiledQuery<Func<MindstackDbContext, string, string, CancellationToken, Task<int?>>> UsedInPeriod = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string accountId, string period, CancellationToken _) =>
            db.Set<MonthlyUsage>().AsNoTracking()
                .Where(u => u.AccountId == accountId && u.Period == period)
                .Select(u => (int?)u.QueriesUsed)
                .FirstOrDefault()));

    public string CurrentPeriod => clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public async Task<UsageSnapshot> GetAsync(string accountId, string tier, CancellationToken ct)
    {
        var period = CurrentPeriod;
        var used = await UsedInPeriod.For(db)(db, accountId, period, ct) ?? 0;
        return new UsageSnapshot(used, options.Value.QueryLimitFor(tier), tier);
    }

    /// <summary>
    /// Takes one query of this month's allowance, or throws 429 <c>QUERY_LIMIT_EXCEEDED</c> with
    /// a <c>Retry-After</c> until the month turns. Returns the period it was taken from (for release).
    /// </summary>
    public async Task<string> ReserveAsync(string accountId, string tier, CancellationToken ct)
    {
        var period = CurrentPeriod;
        var limit = options.Value.QueryLimitFor(tier);
        await EnsureRowAsync(accountId, period, ct);
        // One conditional UPDATE: the database decides, so two nodes cannot both take the last query.
        var taken = await db.Set<MonthlyUsage>()
            .Where(u => u.AccountId == accountId && u.Period == period && u.QueriesUsed < limit)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.QueriesUsed, u => u.QueriesUsed + 1), ct);
        if (taken == 0)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var nextMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
            throw Problem.RateLimited($"Monthly query limit of {limit} reached for the {tier} tier. Upgrade or wait for the next month.",
                nextMonth - now, "QUERY_LIMIT_EXCEEDED");
        }
        return period;
    }

    /// <summary>Gives back a reserved query whose work failed.</summary>
    public Task ReleaseAsync(string accountId, string period, CancellationToken ct) =>
        db.Set<MonthlyUsage>()
            .Where(u => u.AccountId == accountId && u.Period == period && u.QueriesUsed > 0)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.QueriesUsed, u => u.QueriesUsed - 1), ct);

    private Task EnsureRowAsync(string accountId, string period, CancellationToken ct) =>
        db.InsertIfAbsentAsync(new MonthlyUsage { AccountId = accountId, Period = period, QueriesUsed = 0 },
            u => u.AccountId == accountId && u.Period == period, ct);
}
