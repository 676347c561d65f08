using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Feeds;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Posts;

internal sealed record PostListView(IReadOnlyList<PostView> Posts, int Page, int Limit, int Total, bool HasMore);

internal sealed record ReplyListView(IReadOnlyList<PostView> Replies, int Page, int Limit, int Total, bool HasMore, string Sort);

internal sealed record PostEnvelopeView(PostView Post);

internal sealed record EditView(string Content, DateTime EditedAt);

internal sealed record HistoryView(string PostId, string ShortId, string Content, DateTime? EditedAt, IReadOnlyList<EditView> History);

internal sealed record CountView(string Key, int Count);

internal sealed record DayCount(string Date, int Views);

internal sealed record PostAnalyticsView(string PostId, string ShortId, int Views, int UniqueViewers, int Likes, int Replies, int Reposts,
    int Quotes, int Saves, int Engagement, double EngagementRate, IReadOnlyList<CountView> Referrers, IReadOnlyList<DayCount> ViewsByDay);

internal sealed record TopPostView(string Id, string ShortId, string Content, int Views, int Likes, int Engagement);

internal sealed record AnalyticsSummaryView(int TotalPosts, int TotalViews, int TotalLikes, int TotalReplies, int TotalReposts, int TotalQuotes,
    int TotalSaves, int TotalEngagement, double EngagementRate, IReadOnlyList<TopPostView> TopPosts);

/// <summary>Reads of posts: replies, saved posts, a user's posts and likes, edit history, analytics.</summary>
internal sealed class PostQueries(MindstackDbContext db, IIdGenerator ids, TimeProvider clock, PostService posts, PostViews views,
    Relations relations)
{
    /// <summary>The post for a viewer, counting the view (analytics: who, from where).</summary>
    public async Task<PostView> ViewAsync(string postId, string? viewerId, string? referrer, CancellationToken ct)
    {
        var row = await posts.RequireVisibleAsync(postId, viewerId, ct);
        if (row.PublishedAt is not null && row.AuthorId != viewerId)
        {
            db.Add(new PostViewRow
            {
                Id = ids.New("view"),
                PostId = row.Id,
                ViewerId = viewerId,
                Referrer = ReferrerHost(referrer),
                ViewedAt = clock.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync(ct);
            await posts.Bump(row.Id, p => p.ViewCount, 1, ct);
            row.ViewCount++;
        }
        return await views.OneAsync(row, viewerId, ct);
    }

    public async Task<ReplyListView> RepliesAsync(string postId, string? viewerId, string? sort, PageRequest paging, CancellationToken ct)
    {
        var parent = await posts.RequireVisibleAsync(postId, viewerId, ct);
        var order = (sort ?? "recent").Trim().ToLowerInvariant();
        if (order is not ("popular" or "recent" or "algorithm"))
        {
            throw Problem.Invalid("sort", "sort must be popular, recent or algorithm");
        }
        var replies = relations.WithoutShadowBanned(
            db.Set<PostRow>().AsNoTracking().Where(p => p.ReplyToId == parent.Id && p.PublishedAt != null && p.DeletedAt == null), viewerId);
        if (viewerId is not null)
        {
            var hidden = relations.HiddenFrom(viewerId);
            replies = replies.Where(p => !hidden.Contains(p.AuthorId));
        }
        var total = await replies.CountAsync(ct);
        List<PostRow> rows;
        if (order == "algorithm")
        {
            // A thread is small: rank it whole, as the feed does (without follows).
            var all = await replies.OrderByDescending(p => p.PublishedAt).Take(1000).ToListAsync(ct);
            rows = FeedRanking.Rank(all, clock.GetUtcNow().UtcDateTime, viewerId, new HashSet<string>(), new Dictionary<string, int>())
                .Skip(paging.Offset).Take(paging.Limit).ToList();
        }
        else
        {
            var ordered = order == "popular"
                ? replies.OrderByDescending(p => p.LikeCount + p.ReplyCount + p.RepostCount).ThenByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id)
                : replies.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id);
            rows = await ordered.Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        }
        return new ReplyListView(await views.ManyAsync(rows, viewerId, ct), paging.Page, paging.Limit, total, paging.Offset + rows.Count < total, order);
    }

    public async Task<PostListView> SavedAsync(string viewerId, string? collection, PageRequest paging, CancellationToken ct)
    {
        var saves = db.Set<SaveRow>().AsNoTracking().Where(s => s.AccountId == viewerId);
        if (!string.IsNullOrWhiteSpace(collection))
        {
            var name = collection.Trim();
            saves = saves.Where(s => s.Collection == name);
        }
        var query = from save in saves
                    join post in db.Set<PostRow>().AsNoTracking() on save.PostId equals post.Id
                    where post.DeletedAt == null
                    orderby save.CreatedAt descending
                    select post;
        return await ListAsync(relations.WithoutShadowBanned(query, viewerId), viewerId, paging, ct);
    }

    /// <summary>A user's posts (top-level and reposts), newest first; on page 1 their pinned posts come first.</summary>
    public async Task<PostListView> UserPostsAsync(string authorId, string? viewerId, PageRequest paging, CancellationToken ct)
    {
        await EnsureCanSeeAsync(authorId, viewerId, ct);
        var query = relations.WithoutShadowBanned(db.Set<PostRow>().AsNoTracking()
            .Where(p => p.AuthorId == authorId && p.PublishedAt != null && p.DeletedAt == null && p.ReplyToId == null && p.GroupId == null), viewerId);
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        if (paging.Page == 1)
        {
            var pinned = await relations.WithoutShadowBanned(
                from pin in db.Set<PinRow>().AsNoTracking()
                where pin.AccountId == authorId
                join post in db.Set<PostRow>().AsNoTracking() on pin.PostId equals post.Id
                where post.DeletedAt == null && post.PublishedAt != null && post.GroupId == null
                orderby pin.Position
                select post, viewerId).ToListAsync(ct);
            rows = pinned.Concat(rows.Where(r => pinned.All(p => p.Id != r.Id))).ToList();
        }
        return new PostListView(await views.ManyAsync(rows, viewerId, ct), paging.Page, paging.Limit, total, paging.Offset + paging.Limit < total);
    }

    public async Task<PostListView> UserLikesAsync(string accountId, string? viewerId, PageRequest paging, CancellationToken ct)
    {
        await EnsureCanSeeAsync(accountId, viewerId, ct);
        var query = from like in db.Set<LikeRow>().AsNoTracking()
                    where like.AccountId == accountId
                    join post in db.Set<PostRow>().AsNoTracking() on like.PostId equals post.Id
                    // Group posts belong to their group's feed: a profile shows none of them.
                    where post.DeletedAt == null && post.PublishedAt != null && post.GroupId == null
                    orderby like.CreatedAt descending
                    select post;
        if (viewerId is not null)
        {
            var hidden = relations.HiddenFrom(viewerId);
            query = query.Where(p => !hidden.Contains(p.AuthorId));
        }
        var privateTo = relations.PrivateTo(viewerId);
        query = query.Where(p => !privateTo.Contains(p.AuthorId));
        return await ListAsync(relations.WithoutShadowBanned(query, viewerId), viewerId, paging, ct);
    }

    public async Task<HistoryView> HistoryAsync(string postId, string? viewerId, CancellationToken ct)
    {
        var row = await posts.RequireVisibleAsync(postId, viewerId, ct);
        var edits = await db.Set<PostEditRow>().AsNoTracking().Where(e => e.PostId == row.Id)
            .OrderByDescending(e => e.EditedAt).Select(e => new EditView(e.Content, e.EditedAt)).ToListAsync(ct);
        return new HistoryView(row.Id, row.ShortId, row.Content, row.EditedAt, edits);
    }

    public async Task<PostAnalyticsView> AnalyticsAsync(string postId, string? viewerId, CancellationToken ct)
    {
        var row = await posts.RequireVisibleAsync(postId, viewerId, ct);
        var viewRows = db.Set<PostViewRow>().AsNoTracking().Where(v => v.PostId == row.Id);
        var unique = await viewRows.Where(v => v.ViewerId != null).Select(v => v.ViewerId).Distinct().CountAsync(ct);
        var referrers = (await viewRows.GroupBy(v => v.Referrer ?? "direct")
            .Select(g => new { g.Key, Count = g.Count() }).OrderByDescending(c => c.Count).Take(20).ToListAsync(ct))
            .Select(c => new CountView(c.Key, c.Count)).ToList();
        var since = clock.GetUtcNow().UtcDateTime.Date.AddDays(-29);
        var recent = await viewRows.Where(v => v.ViewedAt >= since).Select(v => v.ViewedAt).ToListAsync(ct);
        var byDay = recent.GroupBy(t => t.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new DayCount(g.Key, g.Count())).ToList();
        var engagement = row.LikeCount + row.ReplyCount + row.RepostCount + row.QuoteCount + row.SaveCount;
        return new PostAnalyticsView(row.Id, row.ShortId, row.ViewCount, unique, row.LikeCount, row.ReplyCount, row.RepostCount, row.QuoteCount,
            row.SaveCount, engagement, Rate(engagement, row.ViewCount), referrers, byDay);
    }

    public async Task<AnalyticsSummaryView> SummaryAsync(string accountId, CancellationToken ct)
    {
        var mine = db.Set<PostRow>().AsNoTracking()
            .Where(p => p.AuthorId == accountId && p.PublishedAt != null && p.DeletedAt == null && p.RepostOfId == null);
        var totals = await mine.GroupBy(p => 1).Select(g => new
        {
            Posts = g.Count(),
            Views = g.Sum(p => p.ViewCount),
            Likes = g.Sum(p => p.LikeCount),
            Replies = g.Sum(p => p.ReplyCount),
            Reposts = g.Sum(p => p.RepostCount),
            Quotes = g.Sum(p => p.QuoteCount),
            Saves = g.Sum(p => p.SaveCount),
        }).FirstOrDefaultAsync(ct);
        var top = await mine.OrderByDescending(p => p.LikeCount + p.ReplyCount + p.RepostCount + p.QuoteCount).ThenByDescending(p => p.ViewCount)
            .Take(5).Select(p => new TopPostView(p.Id, p.ShortId, p.Content, p.ViewCount, p.LikeCount,
                p.LikeCount + p.ReplyCount + p.RepostCount + p.QuoteCount + p.SaveCount)).ToListAsync(ct);
        if (totals is null)
        {
            return new AnalyticsSummaryView(0, 0, 0, 0, 0, 0, 0, 0, 0, []);
        }
        var engagement = totals.Likes + totals.Replies + totals.Reposts + totals.Quotes + totals.Saves;
        return new AnalyticsSummaryView(totals.Posts, totals.Views, totals.Likes, totals.Replies, totals.Reposts, totals.Quotes, totals.Saves,
            engagement, Rate(engagement, totals.Views), top);
    }

    private async Task EnsureCanSeeAsync(string authorId, string? viewerId, CancellationToken ct)
    {
        if (!await relations.CanSeePostsOfAsync(authorId, viewerId, ct))
        {
            throw Problem.Forbidden("This account is private", "PRIVATE_ACCOUNT");
        }
    }

    private async Task<PostListView> ListAsync(IQueryable<PostRow> query, string? viewerId, PageRequest paging, CancellationToken ct)
    {
        var total = await query.CountAsync(ct);
        var rows = await query.Skip(paging.Offset).Take(paging.Limit).ToListAsync(ct);
        return new PostListView(await views.ManyAsync(rows, viewerId, ct), paging.Page, paging.Limit, total, paging.Offset + rows.Count < total);
    }

    private static double Rate(int engagement, int views) => views == 0 ? 0 : Math.Round((double)engagement / views, 4);

    private static string? ReferrerHost(string? referrer) =>
        Uri.TryCreate(referrer, UriKind.Absolute, out var uri) && uri.Host.Length is > 0 and <= 255 ? uri.Host.ToLowerInvariant() : null;
}
