using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Ads;

/// <summary>
/// Section 15's admin reads: per-ad stats from the ad's counters and daily counter rows (zero-filled),
/// inbound stats and the dashboard trends, each grouped by UTC day in the database.
/// </summary>
internal sealed class AdInsights(MindstackDbContext db, AdService ads, TimeProvider clock)
{
    public async Task<AdStats> StatsAsync(string adId, int days, CancellationToken ct)
    {
        var row = await ads.RequireAsync(adId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var first = now.Date.AddDays(1 - days);
        var counted = await db.Set<AdDailyRow>().AsNoTracking().Where(d => d.AdId == adId && d.Day >= first).ToListAsync(ct);
        var byDay = counted.ToDictionary(d => d.Day.Date);
        var series = Days(first, days).Select(day => byDay.TryGetValue(day, out var d)
            ? new AdDay(Key(day), d.Impressions, d.Clicks, AdRules.Ctr(d.Impressions, d.Clicks))
            : new AdDay(Key(day), 0, 0, 0)).ToList();
        var impressions = series.Sum(d => d.Impressions);
        var clicks = series.Sum(d => d.Clicks);
        return new AdStats(AdView.Of(row, now), new AdWindow(days, impressions, clicks, AdRules.Ctr(impressions, clicks)),
            new AdCounts(row.Impressions, row.Clicks, AdRules.Ctr(row.Impressions, row.Clicks)), series);
    }

    /// <summary>
    /// Landings and signups by day and by UTM source or campaign. Signups are MindSwarm's new members;
    /// landings and UTM attribution come from section 11's analytics events, which this server does
    /// not record yet: every signup is in the <c>(direct)</c> bucket and landings are 0, as the note says.
    /// </summary>
    public async Task<InboundStats> InboundAsync(int days, string groupBy, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var first = now.Date.AddDays(1 - days);
        var signups = await PerDayAsync(db.Set<ProfileRow>().AsNoTracking().Where(p => p.CreatedAt >= first).Select(p => p.CreatedAt), ct);
        var total = signups.Values.Sum();
        var series = Days(first, days).Select(day => new InboundDay(Key(day), 0, signups.GetValueOrDefault(day))).ToList();
        IReadOnlyList<InboundGroup> groups = total == 0 ? [] : [new InboundGroup("(direct)", 0, total, 0)];
        return new InboundStats(new InboundWindow(0, total, 0, total, 0), series, groups, groupBy,
            "Landings and UTM attribution come from analytics events (inbound_landing, signup_attributed); none are recorded, so every signup counts as (direct)");
    }

    public async Task<DashboardTrends> TrendsAsync(int days, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var first = now.Date.AddDays(1 - days);
        var users = await PerDayAsync(db.Set<ProfileRow>().AsNoTracking().Where(p => p.CreatedAt >= first).Select(p => p.CreatedAt), ct);
        var published = db.Set<PostRow>().AsNoTracking().Where(p => p.DeletedAt == null && p.PublishedAt != null && p.CreatedAt >= first);
        var posts = await PerDayAsync(published.Where(p => p.ReplyToId == null && p.RepostOfId == null).Select(p => p.CreatedAt), ct);
        var likes = await PerDayAsync(db.Set<LikeRow>().AsNoTracking().Where(l => l.CreatedAt >= first).Select(l => l.CreatedAt), ct);
        var replies = await PerDayAsync(published.Where(p => p.ReplyToId != null).Select(p => p.CreatedAt), ct);
        var reposts = await PerDayAsync(published.Where(p => p.RepostOfId != null).Select(p => p.CreatedAt), ct);
        var window = Days(first, days).ToList();
        TrendSeries Series(Dictionary<DateTime, long> counts) =>
            new(counts.Values.Sum(), window.Select(d => new DayCount(Key(d), counts.GetValueOrDefault(d))).ToList());
        var engagement = new EngagementTrend(likes.Values.Sum(), replies.Values.Sum(), reposts.Values.Sum(),
            window.Select(d => new EngagementDay(Key(d), likes.GetValueOrDefault(d), replies.GetValueOrDefault(d), reposts.GetValueOrDefault(d),
                likes.GetValueOrDefault(d) + replies.GetValueOrDefault(d) + reposts.GetValueOrDefault(d))).ToList());
        var hashtags = await db.Set<HashtagRow>().AsNoTracking().Where(h => h.CreatedAt >= first).GroupBy(h => h.Tag)
            .Select(g => new { Tag = g.Key, Count = g.LongCount() }).OrderByDescending(g => g.Count).ThenBy(g => g.Tag).Take(10).ToListAsync(ct);
        var members = db.Set<ProfileRow>().AsNoTracking().Select(p => p.AccountId);
        var statuses = await db.Set<Account>().AsNoTracking().Where(a => members.Contains(a.Id)).GroupBy(a => a.Status)
            .Select(g => new { Status = g.Key, Count = g.LongCount() }).ToListAsync(ct);
        var breakdown = new ContentBreakdown(
            await published.LongCountAsync(p => p.ReplyToId == null && p.RepostOfId == null && p.QuotedPostId == null && p.PollEndsAt == null
                && (p.MediaJson == "[]" || p.MediaJson == ""), ct),
            await published.LongCountAsync(p => p.MediaJson != "[]" && p.MediaJson != "", ct),
            await published.LongCountAsync(p => p.PollEndsAt != null, ct),
            replies.Values.Sum(),
            reposts.Values.Sum(),
            await published.LongCountAsync(p => p.QuotedPostId != null, ct));
        return new DashboardTrends(days, Series(users), Series(posts), engagement,
            hashtags.Select(h => new NamedCount(h.Tag, h.Count)).ToList(),
            [], // no country is recorded for members or requests
            AccountStatus.All.Select(s => new NamedCount(s, statuses.FirstOrDefault(x => x.Status == s)?.Count ?? 0)).ToList(),
            breakdown);
    }

    public static int Days(string? text, int fallback, int min, int max) => Query.Int(text, "days", fallback, min, max);

    /// <summary>How many of these times fall on each UTC day, grouped in the database.</summary>
    private static async Task<Dictionary<DateTime, long>> PerDayAsync(IQueryable<DateTime> times, CancellationToken ct) =>
        (await times.GroupBy(t => t.Date).Select(g => new { Day = g.Key, Count = g.LongCount() }).ToListAsync(ct))
        .ToDictionary(g => DateTime.SpecifyKind(g.Day.Date, DateTimeKind.Unspecified), g => g.Count);

    private static IEnumerable<DateTime> Days(DateTime first, int days) =>
        Enumerable.Range(0, days).Select(i => DateTime.SpecifyKind(first.AddDays(i), DateTimeKind.Unspecified));

    private static string Key(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
