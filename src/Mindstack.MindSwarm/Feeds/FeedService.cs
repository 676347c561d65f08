using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Posts;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Feeds;

/// <summary>A page of a feed: the posts and the cursor of the next page (null at the end).</summary>
internal sealed record FeedPage(string Type, IReadOnlyList<PostView> Posts, string? NextCursor, bool HasMore, int Limit);

/// <summary>
/// The four feeds. <c>following</c>, <c>ai</c> and <c>human</c> are newest first and page by a
/// keyset cursor (published time and id), never by offset. <c>algorithm</c> ranks recent posts
/// (see <see cref="FeedRanking"/>) as of the first page's time, so its pages stay consistent.
/// Blocked (either way) and muted accounts never appear; private accounts only to their followers.
/// </summary>
internal sealed class FeedService(MindstackDbContext db, TimeProvider clock, Relations relations, PostViews views)
{
    public static readonly IReadOnlyList<string> Types = ["algorithm", "following", "ai", "human"];
    private const int FollowedCandidates = 300;
    private const int GlobalCandidates = 300;
    private static readonly TimeSpan CandidateWindow = TimeSpan.FromDays(7);
    private static readonly TimeSpan InteractionWindow = TimeSpan.FromDays(30);

    public async Task<FeedPage> GetAsync(string type, string? viewerId, string? cursor, int limit, CancellationToken ct)
    {
        if (!Types.Contains(type))
        {
            throw Problem.Invalid("type", "type must be algorithm, following, ai or human");
        }
        if (type == "following" && viewerId is null)
        {
            throw Problem.Unauthorized("Sign in to see the following feed");
        }
        return type == "algorithm"
            ? await RankedAsync(viewerId, cursor, limit, ct)
            : await ChronologicalAsync(type, viewerId!, cursor, limit, ct);
    }

    /// <summary>Published, top-level, public-timeline posts the viewer may see.</summary>
    public IQueryable<PostRow> Visible(string? viewerId)
    {
        var posts = db.Set<PostRow>().AsNoTracking()
            .Where(p => p.PublishedAt != null && p.DeletedAt == null && p.GroupId == null && p.ReplyToId == null);
        var privateTo = relations.PrivateTo(viewerId);
        posts = posts.Where(p => !privateTo.Contains(p.AuthorId));
        posts = relations.WithoutShadowBanned(posts, viewerId);
        if (viewerId is not null)
        {
            var hidden = relations.HiddenFrom(viewerId);
            posts = posts.Where(p => !hidden.Contains(p.AuthorId));
        }
        return posts;
    }

    private async Task<FeedPage> ChronologicalAsync(string type, string? viewerId, string? cursor, int limit, CancellationToken ct)
    {
        var posts = type switch
        {
            "following" => await FollowingAsync(viewerId!, ct),
            "ai" => Visible(viewerId).Where(p => p.IsAiGenerated || p.AiVerdict == "ai_generated"),
            _ => Visible(viewerId).Where(p => !p.IsAiGenerated && (p.AiVerdict == null || p.AiVerdict != "ai_generated")),
        };
        if (cursor is not null)
        {
            var (at, id) = ReadKeyset(cursor);
            posts = posts.Where(p => p.PublishedAt < at || (p.PublishedAt == at && string.Compare(p.Id, id) < 0));
        }
        var ordered = posts.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Take(limit + 1);
        var rows = type == "following"
            // The page's ids from the timeline index alone (ix_mindswarm_posts_timeline holds author,
            // time and id of every timeline post), so the followed authors' other posts are never read
            // from the table; the page's rows whole by primary key, in the same statement.
            ? await db.Set<PostRow>().AsNoTracking().Where(p => ordered.Select(k => k.Id).Contains(p.Id))
                .OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).ToListAsync(ct)
            : await ordered.ToListAsync(ct);
        var more = rows.Count > limit;
        var page = rows.Take(limit).ToList();
        var next = more ? WriteKeyset(page[^1].PublishedAt!.Value, page[^1].Id) : null;
        return new FeedPage(type, await views.ManyAsync(page, viewerId, ct), next, more, limit);
    }

    /// <summary>
    /// The viewer's and its followed accounts' timeline posts. The authors are read first (a short
    /// list, with the accounts hidden from the viewer and the shadow bans the page's counters need,
    /// in one statement) and the posts by author through the timeline index, so a page costs
    /// what those authors posted, never a walk down the whole timeline looking for them. Followed
    /// private accounts have accepted the viewer, so only blocks, mutes and shadow bans filter here.
    /// </summary>
    private async Task<IQueryable<PostRow>> FollowingAsync(string viewerId, CancellationToken ct)
    {
        var graph = await relations.ViewerGraphAsync(viewerId, interactionsSince: null, ct);
        List<string> authors = [.. FollowedAuthors(graph), viewerId];
        return ByAuthorIndex().Where(p => authors.Contains(p.AuthorId)
            && p.PublishedAt != null && p.DeletedAt == null && p.GroupId == null && p.ReplyToId == null);
    }

    /// <summary>
    /// The followed accounts whose posts the viewer sees: none hidden from it (blocks both ways,
    /// mutes) and none shadow-banned (the viewer's own posts are added by the callers, banned or
    /// not). The graph was read by the same request, so the statement that reads their posts takes
    /// them as one list — no subquery on blocks, mutes or bans to plan and run again per page.
    /// </summary>
    private static IEnumerable<string> FollowedAuthors(ViewerGraph graph) =>
        graph.Followed.Where(a => !graph.Hidden.Contains(a) && !graph.ShadowBanned.Contains(a));

    /// <summary>
    /// Ranks the candidates on what the formula reads (id, author, time, counters), projected, not
    /// whole posts; then reads the page's posts whole (up to 600 candidates, 20 shown). Three
    /// statements before the page's views: the viewer's graph (follows, hidden accounts, shadow
    /// bans, interactions), both candidate sets in one, and the page's rows.
    /// </summary>
    private async Task<FeedPage> RankedAsync(string? viewerId, string? cursor, int limit, CancellationToken ct)
    {
        var (asOf, offset) = cursor is null ? (clock.GetUtcNow().UtcDateTime, 0) : ReadRanked(cursor);
        var since = asOf - CandidateWindow;
        var graph = await relations.ViewerGraphAsync(viewerId, asOf - InteractionWindow, ct);
        var shadowed = graph.ShadowBanned.Where(id => id != viewerId).ToList();
        var hidden = graph.Hidden.ToList();
        var followed = graph.Followed.ToList();
        // The newest visible posts of the window: no private account the viewer does not follow,
        // no shadow-banned one (but the viewer), none hidden from the viewer.
        var privateTo = db.Set<ProfileRow>().Where(p => p.IsPrivate && p.AccountId != viewerId && !followed.Contains(p.AccountId))
            .Select(p => p.AccountId);
        var recent = Timeline().Where(p => p.PublishedAt > since && p.PublishedAt <= asOf
            && !privateTo.Contains(p.AuthorId) && !shadowed.Contains(p.AuthorId) && !hidden.Contains(p.AuthorId));
        var candidates = Light(recent.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Take(GlobalCandidates));
        if (viewerId is not null)
        {
            // The newest of the viewer's and its followed accounts' (followed private ones accepted the viewer).
            List<string> authors = [.. FollowedAuthors(graph), viewerId];
            var fromFollowed = ByAuthorIndex().Where(p => p.PublishedAt != null && p.DeletedAt == null && p.GroupId == null && p.ReplyToId == null
                && authors.Contains(p.AuthorId) && p.PublishedAt > since && p.PublishedAt <= asOf);
            candidates = candidates.Concat(Light(fromFollowed.OrderByDescending(p => p.PublishedAt).ThenByDescending(p => p.Id).Take(FollowedCandidates)));
        }
        var rows = (await candidates.ToListAsync(ct)).DistinctBy(p => p.Id).Select(c => c.ToRow()).ToList();
        // Engagement as the viewer sees it: shadow-banned accounts' likes, replies and reposts do not lift a post.
        await views.ShowCountersAsync(rows, viewerId, ct);
        var ranked = FeedRanking.Rank(rows, asOf, viewerId, graph.Followed, graph.Interactions);
        var pageIds = ranked.Skip(offset).Take(limit).Select(p => p.Id).ToList();
        var more = ranked.Count > offset + limit;
        var whole = pageIds.Count == 0 ? [] : await db.Set<PostRow>().AsNoTracking().Where(p => pageIds.Contains(p.Id)).ToListAsync(ct);
        var byId = whole.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var page = pageIds.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        return new FeedPage("algorithm", await views.ManyAsync(page, viewerId, ct), more ? WriteRanked(asOf, offset + limit) : null, more, limit);
    }

    /// <summary>Published, top-level posts outside groups (what <see cref="Visible"/> filters further).</summary>
    private IQueryable<PostRow> Timeline() => db.Set<PostRow>().AsNoTracking()
        .Where(p => p.PublishedAt != null && p.DeletedAt == null && p.GroupId == null && p.ReplyToId == null);

    /// <summary>
    /// The posts table, read by author through <c>ix_mindswarm_posts_timeline</c> (queries on it must
    /// repeat the index's condition: published, not deleted, no group, no reply). A few authors' posts
    /// ordered by time with a limit give SQLite's planner a choice: seek each author in the timeline
    /// index and sort what they posted, or walk the time-ordered <c>(group_id, published_at, id)</c>
    /// index newest first until the limit is met — which, when the followed authors post too little to
    /// fill it, reads every post of the window (1M posts: 233k rows of 7 days, ~200 ms per page). Its
    /// choice rests on <c>sqlite_stat1</c>: with no statistics, or those of a much smaller table (the
    /// bench's server, whose connections opened before the 1M <c>ANALYZE</c>), it walks. <c>INDEXED BY</c>
    /// fixes the seek, so the work is what the authors posted, whatever the table holds. PostgreSQL
    /// plans it by cost.
    /// </summary>
    private IQueryable<PostRow> ByAuthorIndex() => (db.Provider == DatabaseProvider.Sqlite
        ? db.Set<PostRow>().FromSqlRaw("SELECT * FROM \"mindswarm_posts\" INDEXED BY \"ix_mindswarm_posts_timeline\"")
        : db.Set<PostRow>()).AsNoTracking();

    /// <summary>A candidate with only what <see cref="FeedRanking"/> reads.</summary>
    private static IQueryable<Candidate> Light(IQueryable<PostRow> posts) => posts.Select(p => new Candidate
    {
        Id = p.Id,
        AuthorId = p.AuthorId,
        PublishedAt = p.PublishedAt,
        LikeCount = p.LikeCount,
        ReplyCount = p.ReplyCount,
        RepostCount = p.RepostCount,
        QuoteCount = p.QuoteCount,
    });

    private sealed class Candidate
    {
        public required string Id { get; init; }
        public required string AuthorId { get; init; }
        public DateTime? PublishedAt { get; init; }
        public int LikeCount { get; init; }
        public int ReplyCount { get; init; }
        public int RepostCount { get; init; }
        public int QuoteCount { get; init; }

        /// <summary>An untracked row with the candidate's fields (the rest stays empty; never saved).</summary>
        public PostRow ToRow() => new()
        {
            Id = Id,
            ShortId = "",
            AuthorId = AuthorId,
            Content = "",
            PublishedAt = PublishedAt,
            LikeCount = LikeCount,
            ReplyCount = ReplyCount,
            RepostCount = RepostCount,
            QuoteCount = QuoteCount,
        };
    }

    internal static string WriteKeyset(DateTime at, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("k|" + at.Ticks.ToString(CultureInfo.InvariantCulture) + "|" + id));

    private static string WriteRanked(DateTime asOf, int offset) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("r|" + asOf.Ticks.ToString(CultureInfo.InvariantCulture) + "|" + offset.ToString(CultureInfo.InvariantCulture)));

    internal static (DateTime At, string Id) ReadKeyset(string cursor)
    {
        var parts = Decode(cursor);
        return parts is ["k", var ticks, var id] && long.TryParse(ticks, CultureInfo.InvariantCulture, out var t) && t > 0 && t < DateTime.MaxValue.Ticks
            ? (new DateTime(t, DateTimeKind.Utc), id)
            : throw Problem.Invalid("cursor", "Invalid cursor");
    }

    private static (DateTime AsOf, int Offset) ReadRanked(string cursor)
    {
        var parts = Decode(cursor);
        return parts is ["r", var ticks, var offset] && long.TryParse(ticks, CultureInfo.InvariantCulture, out var t) && t > 0 && t < DateTime.MaxValue.Ticks
            && int.TryParse(offset, CultureInfo.InvariantCulture, out var o) && o is >= 0 and <= GlobalCandidates + FollowedCandidates
            ? (new DateTime(t, DateTimeKind.Utc), o)
            : throw Problem.Invalid("cursor", "Invalid cursor");
    }

    private static string[] Decode(string cursor)
    {
        try
        {
            return cursor.Length > 200 ? [] : Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
        }
        catch (FormatException)
        {
            return [];
        }
    }
}

/// <summary>
/// The algorithm feed's order (the README has it too):
/// <c>score = recency × (1 + engagement) × (1 + follows + affinity)</c>, where
/// recency = 0.5^(age in hours / 12), engagement = ln(1 + likes + 2·replies + 3·reposts + 3·quotes),
/// follows = 1 when the viewer follows the author (or is the author), affinity = min(1, the viewer's
/// likes of and replies to the author's posts in the last 30 days / 5). Then author diversity: taken in
/// score order, an author's k-th post on the list (k from 0) counts 0.5^k of its score, so one
/// prolific account cannot fill a page. Ties go to the newer post.
/// </summary>
internal static class FeedRanking
{
    public const double HalfLifeHours = 12;

    public static double Score(PostRow post, DateTime asOf, bool follows, int interactions)
    {
        var ageHours = Math.Max(0, (asOf - post.PublishedAt!.Value).TotalHours);
        var recency = Math.Pow(0.5, ageHours / HalfLifeHours);
        var engagement = Math.Log(1 + post.LikeCount + (2.0 * post.ReplyCount) + (3.0 * post.RepostCount) + (3.0 * post.QuoteCount));
        var affinity = Math.Min(1.0, interactions / 5.0);
        return recency * (1 + engagement) * (1 + (follows ? 1 : 0) + affinity);
    }

    public static IReadOnlyList<PostRow> Rank(IReadOnlyList<PostRow> candidates, DateTime asOf, string? viewerId,
        IReadOnlySet<string> followed, IReadOnlyDictionary<string, int> interactions)
    {
        var scored = candidates
            .Select(p => (Post: p, Score: Score(p, asOf, p.AuthorId == viewerId || followed.Contains(p.AuthorId), interactions.GetValueOrDefault(p.AuthorId))))
            .OrderByDescending(x => x.Score).ThenByDescending(x => x.Post.PublishedAt).ThenByDescending(x => x.Post.Id, StringComparer.Ordinal)
            .ToList();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var diversified = new List<(PostRow Post, double Score)>(scored.Count);
        foreach (var (post, score) in scored)
        {
            var k = seen.GetValueOrDefault(post.AuthorId);
            seen[post.AuthorId] = k + 1;
            diversified.Add((post, score * Math.Pow(0.5, k)));
        }
        return diversified
            .OrderByDescending(x => x.Score).ThenByDescending(x => x.Post.PublishedAt).ThenByDescending(x => x.Post.Id, StringComparer.Ordinal)
            .Select(x => x.Post).ToList();
    }
}
