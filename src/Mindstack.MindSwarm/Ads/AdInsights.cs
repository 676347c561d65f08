using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Analytics;
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

    /// <summary>The bucket of landings and signups with no UTM value (no source, or no campaign).</summary>
    public const string Direct = "(direct)";

    /// <summary>
    /// Landings and signups by day and by UTM source or campaign. Landings are section 11's tracked
    /// <c>inbound_landing</c> events (a source is the <c>utmSource</c>, or the outside referrer's host
    /// as tracking stored it); signups are MindSwarm's new members, attributed by the first touch their
    /// registration or magic link carried. No value lands in <c>(direct)</c>; conversion rates are
    /// signups per 100 landings.
    /// </summary>
    public async Task<InboundStats> InboundAsync(int days, string groupBy, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var first = now.Date.AddDays(1 - days);
        var landings = db.Set<AnalyticsEventRow>().AsNoTracking().Where(e => e.EventType == InboundLanding && e.CreatedAt >= first);
        var landingsByDay = await PerDayAsync(landings.Select(e => e.CreatedAt), ct);
        Expression<Func<AnalyticsEventRow, string?>> landingKey = groupBy == "campaign" ? e => e.UtmCampaign : e => e.UtmSource;
        var landingGroups = await landings.GroupBy(landingKey).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync(ct);

        var members = db.Set<ProfileRow>().AsNoTracking().Where(p => p.CreatedAt >= first);
        var signupsByDay = await PerDayAsync(members.Select(p => p.CreatedAt), ct);
        var firstTouches =
            from member in members
            join touch in db.Set<AttributionRow>().AsNoTracking() on member.AccountId equals touch.AccountId
            select touch;
        var attributed = await firstTouches.LongCountAsync(t => t.UtmSource != null, ct);
        Expression<Func<AttributionRow, string?>> signupKey = groupBy == "campaign" ? t => t.UtmCampaign : t => t.UtmSource;
        var signupGroups = await firstTouches.GroupBy(signupKey).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync(ct);

        var totalLandings = landingsByDay.Values.Sum();
        var totalSignups = signupsByDay.Values.Sum();
        var landingsBy = landingGroups.GroupBy(g => g.Key ?? Direct).ToDictionary(g => g.Key, g => g.Sum(x => x.Count), StringComparer.Ordinal);
        var signupsBy = signupGroups.Where(g => g.Key is not null).ToDictionary(g => g.Key!, g => g.Count, StringComparer.Ordinal);
        // Members without a first touch naming a value are direct signups.
        var directSignups = totalSignups - signupsBy.Values.Sum();
        if (directSignups > 0)
        {
            signupsBy[Direct] = directSignups;
        }
        var groups = landingsBy.Keys.Union(signupsBy.Keys, StringComparer.Ordinal)
            .Select(key => new InboundGroup(key, landingsBy.GetValueOrDefault(key), signupsBy.GetValueOrDefault(key),
                Conversion(landingsBy.GetValueOrDefault(key), signupsBy.GetValueOrDefault(key))))
            .OrderByDescending(g => g.Landings).ThenByDescending(g => g.Signups).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var series = Days(first, days).Select(day => new InboundDay(Key(day), landingsByDay.GetValueOrDefault(day), signupsByDay.GetValueOrDefault(day))).ToList();
        return new InboundStats(new InboundWindow(totalLandings, totalSignups, attributed, totalSignups - attributed, Conversion(totalLandings, totalSignups)),
            series, groups, groupBy);
    }

    private const string InboundLanding = "inbound_landing";

    /// <summary>Signups per 100 landings, two decimals; 0 without landings.</summary>
    private static double Conversion(long landings, long signups) => landings == 0 ? 0 : Math.Round(100.0 * signups / landings, 2);

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
