using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Posts;

/// <summary>A media item on a post: <c>{type, url, thumbnailUrl}</c>.</summary>
internal sealed record MediaItem(string Type, string Url, string? ThumbnailUrl);

/// <summary>A post's counters as one viewer sees them.</summary>
internal sealed record ShownCounters(int Likes, int Replies, int Reposts, int Quotes);

internal sealed record PollOptionView(int Index, string Text, int Votes);

internal sealed record PollView(IReadOnlyList<PollOptionView> Options, DateTime EndsAt, bool IsClosed, int TotalVotes, int? UserVote);

/// <summary>A post as every endpoint answers it (feeds, a single post, replies, profile lists).</summary>
internal sealed record PostView
{
    [JsonPropertyName("_id")]
    public required string UnderscoreId { get; init; }
    public required string Id { get; init; }
    public required string ShortId { get; init; }
    public required UserSummary Author { get; init; }
    public required string Content { get; init; }
    public required IReadOnlyList<MediaItem> Media { get; init; }
    public string? ReplyTo { get; init; }
    public string? QuotedPost { get; init; }
    public string? RepostOf { get; init; }
    /// <summary>The quoted post (for a quote) or the reposted one (for a plain repost), one level deep.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PostView? Embedded { get; init; }
    public required IReadOnlyList<string> Hashtags { get; init; }
    public required IReadOnlyList<string> Mentions { get; init; }
    public PollView? Poll { get; init; }
    public required string ReplyAudience { get; init; }
    public string? ContentWarning { get; init; }
    public DateTime? ScheduledAt { get; init; }
    public bool IsPublished { get; init; }
    public DateTime? PublishedAt { get; init; }
    /// <summary>Set by the author: the author has the ai-enabled badge, or an app posted it as an AI agent.</summary>
    public bool IsAiGenerated { get; init; }
    /// <summary>Server-side detection, filled asynchronously; null until scanned.</summary>
    public JsonElement? AiDetection { get; init; }
    public JsonElement? LinkPreview { get; init; }
    /// <summary>What the chain says of the addresses the text names (filled by a job); null when it names none or until analysed.</summary>
    public Crypto.CryptoAnalysisView? CryptoAnalysis { get; init; }
    /// <summary><c>API</c> when a developer app's key made the post.</summary>
    public required IReadOnlyList<string> Badges { get; init; }
    public bool ViaApi { get; init; }
    public int LikeCount { get; init; }
    public int LikesCount { get; init; }
    public int ReplyCount { get; init; }
    public int RepliesCount { get; init; }
    public int RepostCount { get; init; }
    public int QuoteCount { get; init; }
    public int SaveCount { get; init; }
    public int ViewCount { get; init; }
    public bool IsLiked { get; init; }
    public bool IsReposted { get; init; }
    public bool IsSaved { get; init; }
    public bool IsPinned { get; init; }
    public bool IsEdited { get; init; }
    public DateTime? EditedAt { get; init; }
    public bool ReplyBlurred { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>Builds post views for a viewer in a fixed number of queries, whatever the page size.</summary>
internal sealed class PostViews(MindstackDbContext db, ProfileService profiles, Relations relations, TimeProvider clock)
{
    public async Task<PostView> OneAsync(PostRow row, string? viewerId, CancellationToken ct) => (await ManyAsync([row], viewerId, ct))[0];

    /// <summary>
    /// A post its author has just created: no one has liked, saved, pinned, reposted or voted on it
    /// yet, so those are not read; and, as the document says, a fresh post answers without
    /// <c>aiDetection</c> (a later fetch has it). The author's summary, when the caller has it, is not read again.
    /// </summary>
    public async Task<PostView> CreatedAsync(PostRow row, string viewerId, CancellationToken ct, UserSummary? author = null) =>
        (await ManyAsync([row], viewerId, ct, created: true, author))[0] with { AiDetection = null };

    public async Task<IReadOnlyList<PostView>> ManyAsync(IReadOnlyList<PostRow> rows, string? viewerId, CancellationToken ct, bool created = false,
        UserSummary? knownAuthor = null)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var embeddedIds = rows.Select(r => r.QuotedPostId ?? r.RepostOfId).OfType<string>().Distinct().ToList();
        // A quoted or reposted post of a shadow-banned account is left out as if deleted (its author still sees it).
        var embeddedRows = embeddedIds.Count == 0 ? [] : await Moderation.Bans.WithoutShadowBanned(db.Set<PostRow>().AsNoTracking()
            .Where(p => embeddedIds.Contains(p.Id) && p.DeletedAt == null), db, clock.GetUtcNow().UtcDateTime, viewerId).ToListAsync(ct);
        var all = rows.Concat(embeddedRows).ToList();
        var ids = all.Select(r => r.Id).Distinct().ToList();
        var authors = knownAuthor is not null && all.All(r => r.AuthorId == knownAuthor.Id)
            ? new Dictionary<string, UserSummary>(StringComparer.Ordinal) { [knownAuthor.Id] = knownAuthor }
            : await profiles.SummariesAsync(all.Select(r => r.AuthorId), ct);
        var pollIds = all.Where(r => r.PollEndsAt is not null).Select(r => r.Id).ToList();
        var options = pollIds.Count == 0 ? [] : await db.Set<PollOptionRow>().AsNoTracking()
            .Where(o => pollIds.Contains(o.PostId)).OrderBy(o => o.Position).ToListAsync(ct);
        HashSet<string> liked = [], saved = [], pinned = [], reposted = [];
        Dictionary<string, int> votes = [];
        if (viewerId is not null && !created)
        {
            // The viewer's likes, saves, pins and reposts of these posts in one statement.
            const int Like = 0, Save = 1, Pin = 2, Repost = 3;
            var marks = await db.Set<LikeRow>().Where(l => l.AccountId == viewerId && ids.Contains(l.PostId)).Select(l => new { Kind = Like, l.PostId })
                .Concat(db.Set<SaveRow>().Where(s => s.AccountId == viewerId && ids.Contains(s.PostId)).Select(s => new { Kind = Save, s.PostId }))
                .Concat(db.Set<PinRow>().Where(p => p.AccountId == viewerId && ids.Contains(p.PostId)).Select(p => new { Kind = Pin, p.PostId }))
                .Concat(db.Set<PostRow>().Where(p => p.AuthorId == viewerId && p.RepostOfId != null && p.DeletedAt == null && ids.Contains(p.RepostOfId))
                    .Select(p => new { Kind = Repost, PostId = p.RepostOfId! }))
                .ToListAsync(ct);
            foreach (var mark in marks)
            {
                (mark.Kind switch { Like => liked, Save => saved, Pin => pinned, _ => reposted }).Add(mark.PostId);
            }
            if (pollIds.Count > 0)
            {
                votes = await db.Set<PollVoteRow>().Where(v => v.AccountId == viewerId && pollIds.Contains(v.PostId))
                    .ToDictionaryAsync(v => v.PostId, v => v.Position, ct);
            }
        }
        // Nothing to subtract from counters that are all zero (a new post, a quiet page).
        var hidden = all.All(r => r.LikeCount == 0 && r.ReplyCount == 0 && r.RepostCount == 0 && r.QuoteCount == 0)
            ? new HiddenCounts([], [], [], [])
            : await HiddenCountsAsync(ids, viewerId, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var embedded = embeddedRows.ToDictionary(r => r.Id, r => Build(r, null));
        return rows.Select(r => Build(r, (r.QuotedPostId ?? r.RepostOfId) is { } e && embedded.TryGetValue(e, out var inner) ? inner : null)).ToList();

        PostView Build(PostRow row, PostView? inner) => new()
        {
            UnderscoreId = row.Id,
            Id = row.Id,
            ShortId = row.ShortId,
            Author = authors[row.AuthorId],
            Content = row.Content,
            Media = ReadMedia(row.MediaJson),
            ReplyTo = row.ReplyToId,
            QuotedPost = row.QuotedPostId,
            RepostOf = row.RepostOfId,
            Embedded = inner,
            Hashtags = ContentRules.Hashtags(row.Content),
            Mentions = ContentRules.Mentions(row.Content),
            Poll = row.PollEndsAt is { } ends ? Poll(row, ends) : null,
            ReplyAudience = row.ReplyAudience,
            ContentWarning = row.ContentWarning,
            ScheduledAt = row.ScheduledAt,
            IsPublished = row.PublishedAt is not null,
            PublishedAt = row.PublishedAt,
            IsAiGenerated = row.IsAiGenerated,
            AiDetection = row.AiDetectionJson is null ? null : JsonView.Parse(row.AiDetectionJson),
            LinkPreview = row.LinkPreviewJson is null ? null : JsonView.Parse(row.LinkPreviewJson),
            CryptoAnalysis = Crypto.CryptoAnalysisJson.Read(row.CryptoAnalysisJson),
            Badges = row.ViaAppId is null ? [] : ["API"],
            ViaApi = row.ViaAppId is not null,
            LikeCount = Shown(row.LikeCount, hidden.Likes, row.Id),
            LikesCount = Shown(row.LikeCount, hidden.Likes, row.Id),
            ReplyCount = Shown(row.ReplyCount, hidden.Replies, row.Id),
            RepliesCount = Shown(row.ReplyCount, hidden.Replies, row.Id),
            RepostCount = Shown(row.RepostCount, hidden.Reposts, row.Id),
            QuoteCount = Shown(row.QuoteCount, hidden.Quotes, row.Id),
            SaveCount = row.SaveCount,
            ViewCount = row.ViewCount,
            IsLiked = liked.Contains(row.Id),
            IsReposted = reposted.Contains(row.Id),
            IsSaved = saved.Contains(row.Id),
            IsPinned = pinned.Contains(row.Id),
            IsEdited = row.EditedAt is not null,
            EditedAt = row.EditedAt,
            ReplyBlurred = row.ReplyBlurred,
            CreatedAt = row.CreatedAt,
            UpdatedAt = row.UpdatedAt,
        };

        PollView Poll(PostRow row, DateTime ends)
        {
            var mine = options.Where(o => o.PostId == row.Id).Select(o => new PollOptionView(o.Position, o.Text, o.Votes)).ToList();
            return new PollView(mine, ends, row.PollClosed || now >= ends, mine.Sum(o => o.Votes),
                votes.TryGetValue(row.Id, out var vote) ? vote : null);
        }
    }

    /// <summary>
    /// One post's counters as this viewer's GET shows them (shadow-banned accounts' actions left out
    /// for everyone but themselves): what like, repost and quote replies answer.
    /// </summary>
    public async Task<ShownCounters> CountersAsync(string postId, string? viewerId, CancellationToken ct)
    {
        var stored = await db.Set<PostRow>().Where(p => p.Id == postId)
            .Select(p => new { p.LikeCount, p.ReplyCount, p.RepostCount, p.QuoteCount }).FirstAsync(ct);
        var hidden = await HiddenCountsAsync([postId], viewerId, ct);
        return new ShownCounters(Shown(stored.LikeCount, hidden.Likes, postId), Shown(stored.ReplyCount, hidden.Replies, postId),
            Shown(stored.RepostCount, hidden.Reposts, postId), Shown(stored.QuoteCount, hidden.Quotes, postId));
    }

    /// <summary>
    /// Sets these untracked rows' counters to what the viewer's views show, so a ranking weighs the
    /// same engagement the viewer reads (never save such rows).
    /// </summary>
    public async Task ShowCountersAsync(IReadOnlyList<PostRow> rows, string? viewerId, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }
        var hidden = await HiddenCountsAsync(rows.Select(r => r.Id).Distinct().ToList(), viewerId, ct);
        foreach (var row in rows)
        {
            row.LikeCount = Shown(row.LikeCount, hidden.Likes, row.Id);
            row.ReplyCount = Shown(row.ReplyCount, hidden.Replies, row.Id);
            row.RepostCount = Shown(row.RepostCount, hidden.Reposts, row.Id);
            row.QuoteCount = Shown(row.QuoteCount, hidden.Quotes, row.Id);
        }
    }

    private sealed record HiddenCounts(Dictionary<string, int> Likes, Dictionary<string, int> Replies, Dictionary<string, int> Reposts,
        Dictionary<string, int> Quotes);

    private static int Shown(int stored, Dictionary<string, int> hidden, string postId) =>
        Math.Max(0, stored - hidden.GetValueOrDefault(postId));

    /// <summary>
    /// What shadow-banned accounts (but the viewer) added to these posts' counters: the stored
    /// counters count everyone, so they stay right when a ban is lifted; the views subtract.
    /// </summary>
    private async Task<HiddenCounts> HiddenCountsAsync(List<string> ids, string? viewerId, CancellationToken ct)
    {
        var actors = await relations.ShadowActorsHiddenFromAsync(viewerId, ct);
        if (actors.Count == 0)
        {
            return new HiddenCounts([], [], [], []);
        }
        var likes = await db.Set<LikeRow>().Where(l => ids.Contains(l.PostId) && actors.Contains(l.AccountId))
            .GroupBy(l => l.PostId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        // Counted as the counters are kept: published, not deleted.
        var theirs = await db.Set<PostRow>().AsNoTracking()
            .Where(p => actors.Contains(p.AuthorId) && p.DeletedAt == null && p.PublishedAt != null
                && ((p.ReplyToId != null && ids.Contains(p.ReplyToId)) || (p.RepostOfId != null && ids.Contains(p.RepostOfId))
                    || (p.QuotedPostId != null && ids.Contains(p.QuotedPostId))))
            .Select(p => new { p.ReplyToId, p.RepostOfId, p.QuotedPostId }).ToListAsync(ct);
        return new HiddenCounts(
            likes,
            theirs.Where(p => p.ReplyToId is not null).CountBy(p => p.ReplyToId!).ToDictionary(),
            theirs.Where(p => p.RepostOfId is not null).CountBy(p => p.RepostOfId!).ToDictionary(),
            theirs.Where(p => p.QuotedPostId is not null && p.RepostOfId is null).CountBy(p => p.QuotedPostId!).ToDictionary());
    }

    private static readonly JsonSerializerOptions MediaJson = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<MediaItem> ReadMedia(string json) =>
        JsonSerializer.Deserialize<List<MediaItem>>(json, MediaJson) ?? [];

    public static string WriteMedia(IReadOnlyList<MediaItem> media) => JsonSerializer.Serialize(media, MediaJson);
}
