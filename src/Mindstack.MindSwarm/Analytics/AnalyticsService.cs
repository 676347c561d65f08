using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Analytics;

/// <summary>Inbound attribution, as in track metadata and in <c>_attribution</c> on register and magic link.</summary>
internal sealed record AttributionInput(string? UtmSource, string? UtmMedium, string? UtmCampaign, string? UtmTerm, string? UtmContent,
    string? LandingPath, string? Referrer);

internal sealed record TrackRequest(string? EventType, string? TargetId, string? TargetType, JsonElement? Metadata);

internal sealed record TrackedView(bool Tracked, string EventType);

internal sealed record ExportRequest(string? Period, string? Format);

/// <summary>What happened to a user's content and account in a period.</summary>
internal sealed record AnalyticsMetrics(int Posts, int Views, int Likes, int Replies, int Reposts, int NewFollowers, int ProfileViews,
    int Engagement, double EngagementRate);

internal sealed record AnalyticsDayView(string Date, int Posts, int Views, int Likes, int Replies, int Reposts, int NewFollowers, int ProfileViews);

internal sealed record TopPostAnalyticsView(string Id, string ShortId, string Content, DateTime? PublishedAt, int Views, int Likes, int Replies,
    int Reposts, int Engagement);

internal sealed record TrafficSourceView(string Source, string? Medium, int Count);

internal sealed record CountView(string Name, int Count);

internal sealed record PeriodView(string Period, DateTime StartDate, DateTime EndDate);

internal sealed record DashboardView(PeriodView Period, AnalyticsMetrics Overview, IReadOnlyList<AnalyticsDayView> Daily,
    IReadOnlyList<TopPostAnalyticsView> TopPosts, IReadOnlyList<CountView> Events, IReadOnlyList<TrafficSourceView> TrafficSources);

internal sealed record UserAnalyticsView(string UserId, string? Username, PeriodView DateRange, AnalyticsMetrics Metrics, int Followers,
    int Following, int TotalPosts, IReadOnlyList<AnalyticsDayView> Daily);

internal sealed record ContentAnalyticsView(string ContentId, string ShortId, string AuthorId, int Views, int UniqueViewers, int Likes, int Replies,
    int Reposts, int Quotes, int Saves, double EngagementRate, IReadOnlyList<CountView> Events, IReadOnlyList<TrafficSourceView> TrafficSources,
    IReadOnlyList<CountView> Referrers, IReadOnlyList<AnalyticsDayView> Daily);

internal sealed record MetricChangeView(string Metric, double Period1, double Period2, double Change, double? PercentChange);

internal sealed record PeriodMetricsView(PeriodView Period, AnalyticsMetrics Metrics);

internal sealed record CompareView(PeriodMetricsView Period1, PeriodMetricsView Period2, IReadOnlyList<MetricChangeView> Changes);

internal sealed record HourInsightView(int Hour, int Posts, int Engagement);

internal sealed record DayInsightView(string Day, int Posts, int Engagement);

internal sealed record HashtagInsightView(string Tag, int Posts, int Engagement);

internal sealed record GrowthView(int Current, int Previous, int Change, double? PercentChange);

internal sealed record InsightsView(string UserId, PeriodView Period, double EngagementRate, double AverageLikesPerPost, double AverageRepliesPerPost,
    double AverageViewsPerPost, IReadOnlyList<HourInsightView> BestHours, IReadOnlyList<DayInsightView> BestDays,
    IReadOnlyList<HashtagInsightView> TopHashtags, GrowthView FollowerGrowth, IReadOnlyList<string> Recommendations);

internal sealed record AnalyticsExportView(string Format, PeriodView Period, DateTime GeneratedAt, AnalyticsMetrics Overview,
    IReadOnlyList<AnalyticsDayView> Daily, IReadOnlyList<TopPostAnalyticsView> Posts);

/// <summary>Section 11: event tracking (batched), attribution, and the user, content, dashboard, comparison, insight and export reads.</summary>
internal sealed class AnalyticsService(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, AnalyticsQueue queue, PostService posts)
{
    public static readonly string[] EventTypes =
    [
        "page_view", "post_view", "post_create", "post_like", "post_share", "post_comment", "user_follow", "user_unfollow", "profile_view",
        "search_query", "hashtag_click", "link_click", "notification_click", "group_join", "group_leave", "group_post", "tip_sent",
        "tip_received", "draft_saved", "draft_published", "message_sent", "session_start", "session_end", "ad_impression", "ad_click",
        "inbound_landing", "signup_attributed",
    ];

    public static readonly string[] TargetTypes = ["User", "Post", "Group", "Hashtag", "Draft", "Tip", "Ad"];

    private const int MaxMetadataLength = 4096;
    private const int MaxUtmLength = 200;
    private const int MaxPathLength = 500;
    private const int TopPostCount = 10;

    public async Task<TrackedView> TrackAsync(string? accountId, TrackRequest request, CancellationToken ct)
    {
        var validation = new Validation();
        var eventType = request.EventType?.Trim() ?? "";
        if (!EventTypes.Contains(eventType, StringComparer.Ordinal))
        {
            validation.Add("eventType", "eventType must be one of " + string.Join(", ", EventTypes));
        }
        string? targetType = null;
        if (!string.IsNullOrWhiteSpace(request.TargetType))
        {
            targetType = TargetTypes.FirstOrDefault(t => string.Equals(t, request.TargetType.Trim(), StringComparison.OrdinalIgnoreCase));
            if (targetType is null)
            {
                validation.Add("targetType", "targetType must be one of " + string.Join(", ", TargetTypes));
            }
        }
        var targetId = string.IsNullOrWhiteSpace(request.TargetId) ? null : request.TargetId.Trim();
        if (targetId is { Length: > 64 })
        {
            validation.Add("targetId", "targetId may be at most 64 characters");
        }
        if (targetId is not null && request.TargetType is null)
        {
            validation.Add("targetType", "targetType is required with targetId");
        }
        var metadata = "{}";
        AttributionInput? utm = null;
        if (request.Metadata is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } given)
        {
            if (given.ValueKind != JsonValueKind.Object)
            {
                validation.Add("metadata", "metadata must be an object");
            }
            else
            {
                metadata = given.GetRawText();
                if (metadata.Length > MaxMetadataLength)
                {
                    validation.Add("metadata", $"metadata may be at most {MaxMetadataLength} characters of JSON");
                }
                utm = Attribution(given, validation, "metadata.");
            }
        }
        validation.ThrowIfInvalid();
        var row = new AnalyticsEventRow
        {
            Id = ids.New("evt"),
            EventType = eventType,
            TargetType = targetType,
            TargetId = targetId,
            AccountId = accountId,
            MetadataJson = metadata,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        Apply(row, utm);
        await queue.EnqueueAsync(row, ct);
        return new TrackedView(true, eventType);
    }

    /// <summary>
    /// A new account: its first-touch attribution (when given; the first one stays) and a
    /// <c>signup_attributed</c> event (always on register, so direct sign-ups count too).
    /// </summary>
    public async Task SignupAsync(string accountId, AttributionInput? attribution, string via, bool always, CancellationToken ct)
    {
        var utm = attribution is null ? null : Clean(attribution);
        if (utm is null && !always)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (utm is not null && !await db.Set<AttributionRow>().AnyAsync(a => a.AccountId == accountId, ct))
        {
            db.Add(new AttributionRow
            {
                AccountId = accountId,
                Via = via,
                UtmSource = utm.UtmSource,
                UtmMedium = utm.UtmMedium,
                UtmCampaign = utm.UtmCampaign,
                UtmTerm = utm.UtmTerm,
                UtmContent = utm.UtmContent,
                LandingPath = utm.LandingPath,
                Referrer = utm.Referrer,
                CreatedAt = now,
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // First touch already written by a concurrent request: it stays.
                db.ChangeTracker.Clear();
            }
        }
        var row = new AnalyticsEventRow
        {
            Id = ids.New("evt"),
            EventType = "signup_attributed",
            TargetType = "User",
            TargetId = accountId,
            AccountId = accountId,
            MetadataJson = JsonSerializer.Serialize(new { via }),
            CreatedAt = now,
        };
        Apply(row, utm);
        await queue.EnqueueAsync(row, ct);
    }

    /// <summary>A magic link asked for an address with no account: its attribution waits for the link to make the account (the first one stays).</summary>
    public async Task HoldAsync(string email, AttributionInput? attribution, CancellationToken ct)
    {
        var key = email.Trim().ToLowerInvariant();
        if (attribution is null || Clean(attribution) is not { } utm || key.Length is 0 or > 320
            || await db.Set<PendingAttributionRow>().AnyAsync(p => p.Email == key, ct))
        {
            return;
        }
        db.Add(new PendingAttributionRow { Email = key, AttributionJson = JsonSerializer.Serialize(utm), CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>After a magic-link sign-in: an account made by that link gets the attribution held for its address.</summary>
    public async Task ClaimAsync(Account account, CancellationToken ct)
    {
        var key = account.Email.Trim().ToLowerInvariant();
        var pending = await db.Set<PendingAttributionRow>().AsNoTracking().FirstOrDefaultAsync(p => p.Email == key, ct);
        if (pending is null)
        {
            return;
        }
        await db.Set<PendingAttributionRow>().Where(p => p.Email == key).ExecuteDeleteAsync(ct);
        if (account.CreatedAt >= pending.CreatedAt)
        {
            await SignupAsync(account.Id, JsonSerializer.Deserialize<AttributionInput>(pending.AttributionJson), "magic-link", always: false, ct);
        }
    }

    public async Task<AttributionRow?> FirstTouchAsync(string accountId, CancellationToken ct) =>
        await db.Set<AttributionRow>().AsNoTracking().FirstOrDefaultAsync(a => a.AccountId == accountId, ct);

    public async Task<DashboardView> DashboardAsync(Caller caller, string? period, CancellationToken ct)
    {
        var range = Period(period ?? "7d", "period");
        var id = caller.AccountId;
        var metrics = await MetricsAsync(id, range, ct);
        var daily = await DailyAsync(id, range, ct);
        var top = await TopPostsAsync(id, range, TopPostCount, ct);
        var (events, sources) = await EventsOnAsync(id, range, ct);
        return new DashboardView(range.View, metrics, daily, top, events, sources);
    }

    public async Task<UserAnalyticsView> UserAsync(string userIdOrName, string? dateRange, CancellationToken ct)
    {
        var account = await RequireAccountAsync(userIdOrName, ct);
        var range = Period(dateRange ?? "month", "dateRange");
        var profile = await db.Set<ProfileRow>().AsNoTracking().FirstOrDefaultAsync(p => p.AccountId == account.Id, ct);
        return new UserAnalyticsView(account.Id, account.Username, range.View, await MetricsAsync(account.Id, range, ct),
            profile?.FollowerCount ?? 0, profile?.FollowingCount ?? 0, profile?.PostCount ?? 0, await DailyAsync(account.Id, range, ct));
    }

    public async Task<ContentAnalyticsView> ContentAsync(string contentId, string? viewerId, CancellationToken ct)
    {
        var row = await posts.RequireVisibleAsync(contentId, viewerId, ct);
        var views = db.Set<PostViewRow>().Where(v => v.PostId == row.Id);
        var unique = await views.Where(v => v.ViewerId != null).Select(v => v.ViewerId).Distinct().CountAsync(ct);
        var referrers = await views.Where(v => v.Referrer != null).GroupBy(v => v.Referrer!)
            .Select(g => new CountView(g.Key, g.Count())).ToListAsync(ct);
        var targeted = db.Set<AnalyticsEventRow>().Where(e => e.TargetId == row.Id || e.TargetId == row.ShortId);
        var events = await targeted.GroupBy(e => e.EventType).Select(g => new CountView(g.Key, g.Count())).ToListAsync(ct);
        var sources = await targeted.GroupBy(e => new { e.UtmSource, e.UtmMedium })
            .Select(g => new TrafficSourceView(g.Key.UtmSource ?? "(direct)", g.Key.UtmMedium, g.Count())).ToListAsync(ct);
        var engagement = row.LikeCount + row.ReplyCount + row.RepostCount + row.QuoteCount;
        var now = clock.GetUtcNow().UtcDateTime;
        var range = new Range("30d", now.Date.AddDays(-29), now);
        var viewTimes = await views.Where(v => v.ViewedAt >= range.From).Select(v => v.ViewedAt).ToListAsync(ct);
        var likeTimes = await db.Set<LikeRow>().Where(l => l.PostId == row.Id && l.CreatedAt >= range.From).Select(l => l.CreatedAt).ToListAsync(ct);
        var replyTimes = await db.Set<PostRow>().Where(p => p.ReplyToId == row.Id && p.DeletedAt == null && p.PublishedAt >= range.From)
            .Select(p => p.PublishedAt!.Value).ToListAsync(ct);
        var repostTimes = await db.Set<PostRow>().Where(p => p.RepostOfId == row.Id && p.DeletedAt == null && p.CreatedAt >= range.From)
            .Select(p => p.CreatedAt).ToListAsync(ct);
        var daily = Days(range, [], viewTimes, likeTimes, replyTimes, repostTimes, [], []);
        return new ContentAnalyticsView(row.Id, row.ShortId, row.AuthorId, row.ViewCount, unique, row.LikeCount, row.ReplyCount, row.RepostCount,
            row.QuoteCount, row.SaveCount, Rate(engagement, row.ViewCount), Sorted(events), sources.OrderByDescending(s => s.Count).ThenBy(s => s.Source, StringComparer.Ordinal).ToList(),
            Sorted(referrers), daily);
    }

    public async Task<CompareView> CompareAsync(Caller caller, string? period1, string? period2, CancellationToken ct)
    {
        var first = Period(period1 ?? "7d", "period1");
        var second = Period(period2 ?? "30d", "period2");
        var a = await MetricsAsync(caller.AccountId, first, ct);
        var b = await MetricsAsync(caller.AccountId, second, ct);
        var changes = new List<MetricChangeView>
        {
            Change("posts", a.Posts, b.Posts),
            Change("views", a.Views, b.Views),
            Change("likes", a.Likes, b.Likes),
            Change("replies", a.Replies, b.Replies),
            Change("reposts", a.Reposts, b.Reposts),
            Change("newFollowers", a.NewFollowers, b.NewFollowers),
            Change("profileViews", a.ProfileViews, b.ProfileViews),
            Change("engagement", a.Engagement, b.Engagement),
            Change("engagementRate", a.EngagementRate, b.EngagementRate),
        };
        return new CompareView(new PeriodMetricsView(first.View, a), new PeriodMetricsView(second.View, b), changes);
    }

    public async Task<InsightsView> InsightsAsync(Caller caller, string? userIdOrName, CancellationToken ct)
    {
        var accountId = caller.AccountId;
        if (!string.IsNullOrWhiteSpace(userIdOrName))
        {
            var account = await RequireAccountAsync(userIdOrName, ct);
            if (account.Id != caller.AccountId && !caller.IsInRole(AccountRoles.Admin))
            {
                throw Problem.Forbidden("Insights are for the account itself", "FORBIDDEN");
            }
            accountId = account.Id;
        }
        var range = Period("30d", "period");
        var previous = new Range("previous 30d", range.From.AddDays(-30), range.From);
        var metrics = await MetricsAsync(accountId, range, ct);
        var recent = await db.Set<PostRow>().AsNoTracking()
            .Where(p => p.AuthorId == accountId && p.DeletedAt == null && p.RepostOfId == null && p.PublishedAt >= range.From && p.PublishedAt < range.To)
            .Select(p => new { p.Id, PublishedAt = p.PublishedAt!.Value, p.LikeCount, p.ReplyCount, p.RepostCount, p.QuoteCount, p.ViewCount })
            .ToListAsync(ct);
        int Engagement(int likes, int replies, int reposts, int quotes) => likes + replies + reposts + quotes;
        var hours = recent.GroupBy(p => p.PublishedAt.Hour)
            .Select(g => new HourInsightView(g.Key, g.Count(), g.Sum(p => Engagement(p.LikeCount, p.ReplyCount, p.RepostCount, p.QuoteCount))))
            .OrderByDescending(h => h.Engagement).ThenByDescending(h => h.Posts).ThenBy(h => h.Hour).Take(3).ToList();
        var days = recent.GroupBy(p => p.PublishedAt.DayOfWeek)
            .Select(g => new DayInsightView(g.Key.ToString(), g.Count(), g.Sum(p => Engagement(p.LikeCount, p.ReplyCount, p.RepostCount, p.QuoteCount))))
            .OrderByDescending(d => d.Engagement).ThenByDescending(d => d.Posts).ThenBy(d => d.Day, StringComparer.Ordinal).Take(3).ToList();
        var ids = recent.Select(p => p.Id).ToList();
        var tags = await db.Set<HashtagRow>().AsNoTracking().Where(h => ids.Contains(h.PostId)).Select(h => new { h.PostId, h.Tag }).ToListAsync(ct);
        var byPost = recent.ToDictionary(p => p.Id, p => Engagement(p.LikeCount, p.ReplyCount, p.RepostCount, p.QuoteCount));
        var topTags = tags.GroupBy(t => t.Tag)
            .Select(g => new HashtagInsightView(g.Key, g.Count(), g.Sum(t => byPost.GetValueOrDefault(t.PostId))))
            .OrderByDescending(t => t.Engagement).ThenByDescending(t => t.Posts).ThenBy(t => t.Tag, StringComparer.Ordinal).Take(5).ToList();
        var followersNow = metrics.NewFollowers;
        var followersBefore = await NewFollowersAsync(accountId, previous, ct);
        var growth = new GrowthView(followersNow, followersBefore, followersNow - followersBefore, Percent(followersNow, followersBefore));
        var count = Math.Max(recent.Count, 1);
        var recommendations = new List<string>();
        if (recent.Count == 0)
        {
            recommendations.Add("You have not posted in the last 30 days: a post or two a week keeps followers engaged.");
        }
        else if (recent.Count < 8)
        {
            recommendations.Add($"You posted {recent.Count} times in 30 days; posting more regularly tends to grow reach.");
        }
        if (hours.FirstOrDefault() is { Engagement: > 0 } bestHour)
        {
            recommendations.Add($"Your posts published around {bestHour.Hour:00}:00 UTC get the most engagement.");
        }
        if (topTags.FirstOrDefault() is { Engagement: > 0 } bestTag)
        {
            recommendations.Add($"Posts tagged #{bestTag.Tag} engage best; keep using it.");
        }
        else if (recent.Count > 0 && tags.Count == 0)
        {
            recommendations.Add("Add a relevant hashtag or two so your posts can be found.");
        }
        if (metrics.Views > 0 && metrics.EngagementRate < 2)
        {
            recommendations.Add("Few viewers engage: ask a question or add an image to invite replies.");
        }
        if (growth.Change < 0)
        {
            recommendations.Add("You gained fewer followers than in the 30 days before; reply to others to be seen more.");
        }
        return new InsightsView(accountId, range.View, metrics.EngagementRate,
            Math.Round(recent.Sum(p => p.LikeCount) / (double)count, 2), Math.Round(recent.Sum(p => p.ReplyCount) / (double)count, 2),
            Math.Round(recent.Sum(p => p.ViewCount) / (double)count, 2), hours, days, topTags, growth, recommendations);
    }

    public async Task<AnalyticsExportView> ExportAsync(Caller caller, ExportRequest request, CancellationToken ct)
    {
        var format = (request.Format ?? "json").Trim().ToLowerInvariant();
        if (format is not ("json" or "csv"))
        {
            throw Problem.Invalid("format", "format must be json or csv");
        }
        var range = Period(request.Period ?? "30d", "period");
        return new AnalyticsExportView(format, range.View, clock.GetUtcNow().UtcDateTime, await MetricsAsync(caller.AccountId, range, ct),
            await DailyAsync(caller.AccountId, range, ct), await TopPostsAsync(caller.AccountId, range, 1000, ct));
    }

    /// <summary>The export as CSV: one row per day, then one row per post, each table with its header.</summary>
    public static string Csv(AnalyticsExportView export)
    {
        var csv = new StringBuilder();
        csv.Append("date,posts,views,likes,replies,reposts,newFollowers,profileViews\r\n");
        foreach (var d in export.Daily)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{d.Date},{d.Posts},{d.Views},{d.Likes},{d.Replies},{d.Reposts},{d.NewFollowers},{d.ProfileViews}\r\n");
        }
        csv.Append("\r\npostId,shortId,publishedAt,views,likes,replies,reposts,engagement,content\r\n");
        foreach (var p in export.Posts)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{p.Id},{p.ShortId},{p.PublishedAt?.ToString("o", CultureInfo.InvariantCulture)},{p.Views},{p.Likes},{p.Replies},{p.Reposts},{p.Engagement},{Quote(p.Content)}\r\n");
        }
        return csv.ToString();
    }

    private static string Quote(string value)
    {
        // A leading formula character is neutralised so a spreadsheet does not run it.
        var safe = value.Length > 0 && "=+-@\t\r".Contains(value[0]) ? "'" + value : value;
        return "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private async Task<AnalyticsMetrics> MetricsAsync(string accountId, Range range, CancellationToken ct)
    {
        var own = db.Set<PostRow>().Where(p => p.AuthorId == accountId).Select(p => p.Id);
        var postCount = await db.Set<PostRow>().CountAsync(p => p.AuthorId == accountId && p.DeletedAt == null && p.RepostOfId == null
            && p.PublishedAt >= range.From && p.PublishedAt < range.To, ct);
        var views = await db.Set<PostViewRow>().CountAsync(v => own.Contains(v.PostId) && v.ViewedAt >= range.From && v.ViewedAt < range.To, ct);
        var likes = await db.Set<LikeRow>().CountAsync(l => own.Contains(l.PostId) && l.CreatedAt >= range.From && l.CreatedAt < range.To, ct);
        var replies = await db.Set<PostRow>().CountAsync(p => p.ReplyToId != null && own.Contains(p.ReplyToId!) && p.AuthorId != accountId
            && p.DeletedAt == null && p.PublishedAt >= range.From && p.PublishedAt < range.To, ct);
        var reposts = await db.Set<PostRow>().CountAsync(p => p.RepostOfId != null && own.Contains(p.RepostOfId!) && p.DeletedAt == null
            && p.CreatedAt >= range.From && p.CreatedAt < range.To, ct);
        var followers = await NewFollowersAsync(accountId, range, ct);
        var username = await db.Set<Account>().Where(a => a.Id == accountId).Select(a => a.Username).FirstOrDefaultAsync(ct);
        var profileViews = await db.Set<AnalyticsEventRow>().CountAsync(e => e.EventType == "profile_view" && e.TargetType == "User"
            && (e.TargetId == accountId || e.TargetId == username) && e.CreatedAt >= range.From && e.CreatedAt < range.To, ct);
        var engagement = likes + replies + reposts;
        return new AnalyticsMetrics(postCount, views, likes, replies, reposts, followers, profileViews, engagement, Rate(engagement, views));
    }

    private Task<int> NewFollowersAsync(string accountId, Range range, CancellationToken ct) =>
        db.Set<FollowRow>().CountAsync(f => f.FollowingId == accountId && f.Status == FollowStatus.Accepted && f.CreatedAt >= range.From
            && f.CreatedAt < range.To, ct);

    private async Task<IReadOnlyList<AnalyticsDayView>> DailyAsync(string accountId, Range range, CancellationToken ct)
    {
        var own = db.Set<PostRow>().Where(p => p.AuthorId == accountId).Select(p => p.Id);
        var postTimes = await db.Set<PostRow>().Where(p => p.AuthorId == accountId && p.DeletedAt == null && p.RepostOfId == null
            && p.PublishedAt >= range.From && p.PublishedAt < range.To).Select(p => p.PublishedAt!.Value).ToListAsync(ct);
        var viewTimes = await db.Set<PostViewRow>().Where(v => own.Contains(v.PostId) && v.ViewedAt >= range.From && v.ViewedAt < range.To)
            .Select(v => v.ViewedAt).ToListAsync(ct);
        var likeTimes = await db.Set<LikeRow>().Where(l => own.Contains(l.PostId) && l.CreatedAt >= range.From && l.CreatedAt < range.To)
            .Select(l => l.CreatedAt).ToListAsync(ct);
        var replyTimes = await db.Set<PostRow>().Where(p => p.ReplyToId != null && own.Contains(p.ReplyToId!) && p.AuthorId != accountId
            && p.DeletedAt == null && p.PublishedAt >= range.From && p.PublishedAt < range.To).Select(p => p.PublishedAt!.Value).ToListAsync(ct);
        var repostTimes = await db.Set<PostRow>().Where(p => p.RepostOfId != null && own.Contains(p.RepostOfId!) && p.DeletedAt == null
            && p.CreatedAt >= range.From && p.CreatedAt < range.To).Select(p => p.CreatedAt).ToListAsync(ct);
        var followTimes = await db.Set<FollowRow>().Where(f => f.FollowingId == accountId && f.Status == FollowStatus.Accepted
            && f.CreatedAt >= range.From && f.CreatedAt < range.To).Select(f => f.CreatedAt).ToListAsync(ct);
        var username = await db.Set<Account>().Where(a => a.Id == accountId).Select(a => a.Username).FirstOrDefaultAsync(ct);
        var profileTimes = await db.Set<AnalyticsEventRow>().Where(e => e.EventType == "profile_view" && e.TargetType == "User"
            && (e.TargetId == accountId || e.TargetId == username) && e.CreatedAt >= range.From && e.CreatedAt < range.To)
            .Select(e => e.CreatedAt).ToListAsync(ct);
        return Days(range, postTimes, viewTimes, likeTimes, replyTimes, repostTimes, followTimes, profileTimes);
    }

    /// <summary>Every day of the range, zero-filled.</summary>
    private static List<AnalyticsDayView> Days(Range range, List<DateTime> posts, List<DateTime> views, List<DateTime> likes, List<DateTime> replies,
        List<DateTime> reposts, List<DateTime> follows, List<DateTime> profileViews)
    {
        static Dictionary<DateTime, int> ByDay(List<DateTime> times) => times.GroupBy(t => t.Date).ToDictionary(g => g.Key, g => g.Count());
        var (p, v, l, r, s, f, pv) = (ByDay(posts), ByDay(views), ByDay(likes), ByDay(replies), ByDay(reposts), ByDay(follows), ByDay(profileViews));
        var days = new List<AnalyticsDayView>();
        for (var day = range.From.Date; day < range.To; day = day.AddDays(1))
        {
            days.Add(new AnalyticsDayView(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), p.GetValueOrDefault(day), v.GetValueOrDefault(day),
                l.GetValueOrDefault(day), r.GetValueOrDefault(day), s.GetValueOrDefault(day), f.GetValueOrDefault(day), pv.GetValueOrDefault(day)));
        }
        return days;
    }

    private async Task<IReadOnlyList<TopPostAnalyticsView>> TopPostsAsync(string accountId, Range range, int take, CancellationToken ct)
    {
        var rows = await db.Set<PostRow>().AsNoTracking()
            .Where(p => p.AuthorId == accountId && p.DeletedAt == null && p.RepostOfId == null && p.PublishedAt >= range.From && p.PublishedAt < range.To)
            .OrderByDescending(p => p.LikeCount + p.ReplyCount + p.RepostCount + p.QuoteCount).ThenByDescending(p => p.ViewCount)
            .ThenByDescending(p => p.PublishedAt).Take(take)
            .Select(p => new { p.Id, p.ShortId, p.Content, p.PublishedAt, p.ViewCount, p.LikeCount, p.ReplyCount, p.RepostCount, p.QuoteCount })
            .ToListAsync(ct);
        return rows.Select(p => new TopPostAnalyticsView(p.Id, p.ShortId, p.Content.Length <= 280 ? p.Content : p.Content[..280], p.PublishedAt,
            p.ViewCount, p.LikeCount, p.ReplyCount, p.RepostCount, p.LikeCount + p.ReplyCount + p.RepostCount + p.QuoteCount)).ToList();
    }

    /// <summary>Tracked events about the user or their posts in the range: by type, and by inbound source.</summary>
    private async Task<(IReadOnlyList<CountView>, IReadOnlyList<TrafficSourceView>)> EventsOnAsync(string accountId, Range range, CancellationToken ct)
    {
        var own = db.Set<PostRow>().Where(p => p.AuthorId == accountId).Select(p => p.Id);
        var events = db.Set<AnalyticsEventRow>().Where(e => e.CreatedAt >= range.From && e.CreatedAt < range.To
            && (e.TargetId == accountId || (e.TargetId != null && own.Contains(e.TargetId!))));
        var byType = await events.GroupBy(e => e.EventType).Select(g => new CountView(g.Key, g.Count())).ToListAsync(ct);
        var sources = await events.GroupBy(e => new { e.UtmSource, e.UtmMedium })
            .Select(g => new TrafficSourceView(g.Key.UtmSource ?? "(direct)", g.Key.UtmMedium, g.Count())).ToListAsync(ct);
        return (Sorted(byType), sources.OrderByDescending(s => s.Count).ThenBy(s => s.Source, StringComparer.Ordinal).ToList());
    }

    private async Task<Account> RequireAccountAsync(string idOrName, CancellationToken ct)
    {
        var key = idOrName.Trim();
        var normalized = key.TrimStart('@').ToLowerInvariant();
        return await db.Set<Account>().AsNoTracking().FirstOrDefaultAsync(a => (a.Id == key || a.NormalizedUsername == normalized)
            && a.Status != AccountStatus.Banned, ct)
            ?? throw Problem.NotFound("User not found", "USER_NOT_FOUND");
    }

    private sealed record Range(string Name, DateTime From, DateTime To)
    {
        public PeriodView View => new(Name, From, To);
    }

    /// <summary>
    /// A period ending now: <c>today</c>, <c>week</c>, <c>month</c>, <c>quarter</c>, <c>year</c>,
    /// <c>24h</c>, or <c>Nd</c> / <c>Nw</c> / <c>Nm</c> / <c>Ny</c> (at most a year).
    /// </summary>
    private Range Period(string value, string field)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var name = value.Trim().ToLowerInvariant();
        int? days = name switch
        {
            "today" => 0,
            "24h" or "1d" => 1,
            "week" => 7,
            "month" => 30,
            "quarter" => 90,
            "year" => 365,
            _ when name.Length >= 2 && int.TryParse(name[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => name[^1] switch
            {
                'd' => n,
                'w' => n * 7,
                'm' => n * 30,
                'y' => n * 365,
                _ => null,
            },
            _ => null,
        };
        if (days is not { } count || count > 365)
        {
            throw Problem.Invalid(field, $"{field} must be today, week, month, quarter, year, or a length such as 7d, 4w, 3m, 1y (at most a year)");
        }
        return new Range(name, count == 0 ? now.Date : now.AddDays(-count), now.AddTicks(1));
    }

    private static AttributionInput? Attribution(JsonElement metadata, Validation validation, string prefix)
    {
        string? Read(string name, int max)
        {
            if (!metadata.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length > max)
            {
                validation.Add(prefix + name, $"{name} must be a string of at most {max} characters");
                return null;
            }
            return value.GetString();
        }
        return Clean(new AttributionInput(Read("utmSource", MaxUtmLength), Read("utmMedium", MaxUtmLength), Read("utmCampaign", MaxUtmLength),
            Read("utmTerm", MaxUtmLength), Read("utmContent", MaxUtmLength), Read("landingPath", MaxPathLength), Read("referrer", MaxPathLength)));
    }

    /// <summary>Trimmed and bounded; no utmSource but an outside referrer → its host, medium <c>referral</c>; nothing at all → null.</summary>
    private static AttributionInput? Clean(AttributionInput input)
    {
        static string? Cut(string? value, int max) => string.IsNullOrWhiteSpace(value) ? null : value.Trim() is var t && t.Length > max ? t[..max] : t.Trim();
        var clean = new AttributionInput(Cut(input.UtmSource, MaxUtmLength), Cut(input.UtmMedium, MaxUtmLength), Cut(input.UtmCampaign, MaxUtmLength),
            Cut(input.UtmTerm, MaxUtmLength), Cut(input.UtmContent, MaxUtmLength), Cut(input.LandingPath, MaxPathLength), Cut(input.Referrer, MaxPathLength));
        if (clean.UtmSource is null && clean.Referrer is { } referrer && Uri.TryCreate(referrer, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            clean = clean with { UtmSource = uri.Host, UtmMedium = clean.UtmMedium ?? "referral" };
        }
        return clean == new AttributionInput(null, null, null, null, null, null, null) ? null : clean;
    }

    private static void Apply(AnalyticsEventRow row, AttributionInput? utm)
    {
        if (utm is null)
        {
            return;
        }
        row.UtmSource = utm.UtmSource;
        row.UtmMedium = utm.UtmMedium;
        row.UtmCampaign = utm.UtmCampaign;
        row.UtmTerm = utm.UtmTerm;
        row.UtmContent = utm.UtmContent;
        row.LandingPath = utm.LandingPath;
        row.Referrer = utm.Referrer;
    }

    private static List<CountView> Sorted(List<CountView> counts) =>
        counts.OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();

    private static double Rate(int engagement, int views) => views == 0 ? 0 : Math.Round(engagement * 100.0 / views, 2);

    private static double? Percent(double current, double previous) => previous == 0 ? null : Math.Round((current - previous) * 100 / previous, 2);

    private static MetricChangeView Change(string metric, double first, double second) =>
        new(metric, first, second, Math.Round(first - second, 2), Percent(first, second));
}
