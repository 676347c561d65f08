using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindPeeker.Sessions;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindPeeker.Users;

/// <summary>A window of time a statistic covers, from <c>period</c> or <c>start_date</c>/<c>end_date</c>.</summary>
internal sealed record StatsRange(string Period, DateTime From, DateTime To)
{
    public static readonly IReadOnlyList<string> Periods = ["day", "week", "month", "year"];

    /// <summary>
    /// A period counts back from now (a day, 7 days, 30 days, 365 days); explicit dates win over
    /// it (<c>end_date</c> is inclusive when it names a day).
    /// </summary>
    public static StatsRange Parse(string? period, string? startDate, string? endDate, DateTime now)
    {
        period = string.IsNullOrWhiteSpace(period) ? "month" : period.Trim().ToLowerInvariant();
        if (!Periods.Contains(period))
        {
            throw SessionRules.InvalidValue("period", "One of day, week, month, year");
        }
        var to = now;
        var from = period switch
        {
            "day" => now.AddDays(-1),
            "week" => now.AddDays(-7),
            "year" => now.AddDays(-365),
            _ => now.AddDays(-30),
        };
        if (Query.Date(startDate, "start_date") is { } start)
        {
            from = start;
            period = "custom";
        }
        if (Query.Date(endDate, "end_date", endOfDay: true) is { } end)
        {
            to = end;
            period = "custom";
        }
        return from > to ? throw SessionRules.InvalidValue("start_date", "Must not be after end_date") : new StatsRange(period, from, to);
    }
}

/// <summary>Statistics over an account's sessions, computed from the sessions themselves.</summary>
internal static class UsageStats
{
    private sealed record Row(string Status, string SessionType, DateTime CreatedAt, long? CreditsUsed, double? ConfidenceScore);

    public static async Task<StatsView> ComputeAsync(MindstackDbContext db, string accountId, StatsRange range, long creditsRemaining,
        CancellationToken cancellationToken)
    {
        var rows = await db.Set<PeekSession>().AsNoTracking()
            .Where(s => s.AccountId == accountId && s.CreatedAt >= range.From && s.CreatedAt <= range.To)
            .Select(s => new Row(s.Status, s.SessionType, s.CreatedAt, s.CreditsUsed, s.ConfidenceScore))
            .ToListAsync(cancellationToken);
        var completed = rows.Count(r => r.Status == SessionStatus.Completed);
        var failed = rows.Count(r => r.Status == SessionStatus.Failed);
        var confidences = rows.Where(r => r.Status == SessionStatus.Completed && r.ConfidenceScore is not null)
            .Select(r => r.ConfidenceScore!.Value).ToList();
        return new StatsView(
            range.Period,
            range.From,
            range.To,
            new StatsSessionsView(
                rows.Count,
                completed,
                rows.Count(r => r.Status is SessionStatus.Pending or SessionStatus.Processing),
                failed,
                rows.Count(r => r.Status == SessionStatus.Cancelled)),
            rows.Sum(r => r.CreditsUsed ?? 0),
            creditsRemaining,
            SuccessRate(completed, failed),
            confidences.Count == 0 ? 0 : Math.Round(confidences.Average(), 3),
            SessionTypes.All.ToDictionary(t => t, t => rows.Count(r => r.SessionType == t)),
            rows
                .GroupBy(r => DateOnly.FromDateTime(r.CreatedAt))
                .OrderBy(g => g.Key)
                .Select(g => new StatsDayView(g.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), g.Count(), g.Sum(r => r.CreditsUsed ?? 0)))
                .ToList());
    }

    /// <summary>Completed over finished (completed or failed); 0 before anything finished.</summary>
    public static double SuccessRate(int completed, int failed) =>
        completed + failed == 0 ? 0 : Math.Round((double)completed / (completed + failed), 3);
}
