using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Moderation;
using Mindstack.MindSwarm.Storage;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Users;

/// <summary>Who hides whom: blocks (both ways) and mutes (the muter's own view, until they expire).</summary>
internal sealed class Relations(MindstackDbContext db, TimeProvider clock)
{
    public Task<bool> IsBlockedEitherWayAsync(string a, string b, CancellationToken ct) =>
        db.Set<BlockRow>().AnyAsync(x => (x.BlockerId == a && x.BlockedId == b) || (x.BlockerId == b && x.BlockedId == a), ct);

    /// <summary>
    /// The accounts whose posts a viewer never sees: those the viewer blocked, those who blocked the
    /// viewer, and those the viewer muted (mute not expired). A query, composed into feed queries.
    /// </summary>
    public IQueryable<string> HiddenFrom(string viewerId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Set<BlockRow>().Where(b => b.BlockerId == viewerId).Select(b => b.BlockedId)
            .Concat(db.Set<BlockRow>().Where(b => b.BlockedId == viewerId).Select(b => b.BlockerId))
            .Concat(db.Set<MuteRow>().Where(m => m.MuterId == viewerId && (m.ExpiresAt == null || m.ExpiresAt > now)).Select(m => m.MutedId));
    }

    /// <summary>
    /// Leaves out the posts of shadow-banned accounts for everyone but their authors. Every query
    /// that shows posts to a viewer applies this one filter (feeds, replies, profiles, groups, lists…).
    /// </summary>
    public IQueryable<PostRow> WithoutShadowBanned(IQueryable<PostRow> posts, string? viewerId) =>
        Bans.WithoutShadowBanned(posts, db, clock.GetUtcNow().UtcDateTime, viewerId);

    /// <summary>Whether the account is under an active shadow ban (its posts and actions reach no one else).</summary>
    public Task<bool> IsShadowBannedAsync(string accountId, CancellationToken ct) =>
        Bans.ShadowBanned(db, clock.GetUtcNow().UtcDateTime).AnyAsync(id => id == accountId, ct);

    /// <summary>
    /// The shadow-banned accounts whose actions (likes, replies, reposts, follows) a viewer's counters
    /// leave out: all of them but the viewer itself, who still sees its own. Usually none, so read once.
    /// </summary>
    public async Task<List<string>> ShadowActorsHiddenFromAsync(string? viewerId, CancellationToken ct)
    {
        // Read once per scope (a request or a job): the algorithm feed ranks by the counts and then shows the same posts.
        var key = viewerId ?? "";
        if (!_shadowActors.TryGetValue(key, out var actors))
        {
            actors = await Bans.ShadowBanned(db, clock.GetUtcNow().UtcDateTime).Where(id => viewerId == null || id != viewerId).Distinct().ToListAsync(ct);
            _shadowActors[key] = actors;
        }
        return actors;
    }

    private readonly Dictionary<string, List<string>> _shadowActors = new(StringComparer.Ordinal);

    /// <summary>
    /// In one statement, what a viewer's feeds filter and rank by: the accounts it follows, those
    /// hidden from it (<see cref="HiddenFrom"/>), the shadow-banned accounts (remembered for
    /// <see cref="ShadowActorsHiddenFromAsync"/>) and, with <paramref name="interactionsSince"/>, the
    /// authors of the posts it liked and replied to since then (one entry per like or reply).
    /// A signed-out viewer has only the shadow bans.
    /// </summary>
    public async Task<ViewerGraph> ViewerGraphAsync(string? viewerId, DateTime? interactionsSince, CancellationToken ct)
    {
        const int Follows = 0, Hides = 1, ShadowBans = 2, Interactions = 3;
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = Bans.ShadowBanned(db, now).Select(id => new { Kind = ShadowBans, Id = id });
        if (viewerId is not null)
        {
            rows = rows
                .Concat(Followed(viewerId).Select(id => new { Kind = Follows, Id = id }))
                .Concat(HiddenFrom(viewerId).Select(id => new { Kind = Hides, Id = id }));
            if (interactionsSince is { } since)
            {
                rows = rows
                    .Concat(
                        from like in db.Set<LikeRow>()
                        where like.AccountId == viewerId && like.CreatedAt > since
                        join post in db.Set<PostRow>() on like.PostId equals post.Id
                        select new { Kind = Interactions, Id = post.AuthorId })
                    .Concat(
                        from reply in db.Set<PostRow>()
                        where reply.AuthorId == viewerId && reply.ReplyToId != null && reply.CreatedAt > since
                        join parent in db.Set<PostRow>() on reply.ReplyToId equals parent.Id
                        select new { Kind = Interactions, Id = parent.AuthorId });
            }
        }
        var graph = new ViewerGraph();
        foreach (var row in await rows.ToListAsync(ct))
        {
            switch (row.Kind)
            {
                case Follows:
                    graph.Followed.Add(row.Id);
                    break;
                case Hides:
                    graph.Hidden.Add(row.Id);
                    break;
                case ShadowBans:
                    graph.ShadowBanned.Add(row.Id);
                    break;
                default:
                    graph.Interactions[row.Id] = graph.Interactions.GetValueOrDefault(row.Id) + 1;
                    break;
            }
        }
        _shadowActors[viewerId ?? ""] = [.. graph.ShadowBanned.Where(id => id != viewerId)];
        return graph;
    }

    /// <summary>Accounts the viewer follows (accepted).</summary>
    public IQueryable<string> Followed(string viewerId) =>
        db.Set<FollowRow>().Where(f => f.FollowerId == viewerId && f.Status == FollowStatus.Accepted).Select(f => f.FollowingId);

    /// <summary>Private accounts whose posts the viewer may not see (not the viewer, not followed).</summary>
    public IQueryable<string> PrivateTo(string? viewerId)
    {
        var privateAccounts = db.Set<ProfileRow>().Where(p => p.IsPrivate).Select(p => p.AccountId);
        if (viewerId is null)
        {
            return privateAccounts;
        }
        var followed = Followed(viewerId);
        return privateAccounts.Where(id => id != viewerId && !followed.Contains(id));
    }

    /// <summary>Whether the viewer may see posts of this author (a private account: only itself and its followers).</summary>
    public async Task<bool> CanSeePostsOfAsync(string authorId, string? viewerId, CancellationToken ct)
    {
        if (viewerId == authorId)
        {
            return true;
        }
        var isPrivate = await db.Set<ProfileRow>().AnyAsync(p => p.AccountId == authorId && p.IsPrivate, ct);
        if (!isPrivate)
        {
            return true;
        }
        return viewerId is not null && await db.Set<FollowRow>()
            .AnyAsync(f => f.FollowerId == viewerId && f.FollowingId == authorId && f.Status == FollowStatus.Accepted, ct);
    }
}

/// <summary>A viewer's follows, hidden accounts, the shadow-banned accounts and its interactions by author (<see cref="Relations.ViewerGraphAsync"/>).</summary>
internal sealed class ViewerGraph
{
    public HashSet<string> Followed { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Hidden { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ShadowBanned { get; } = new(StringComparer.Ordinal);
    /// <summary>Likes and replies by the viewer, counted by the author of the post.</summary>
    public Dictionary<string, int> Interactions { get; } = new(StringComparer.Ordinal);
}
