using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Http;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Posts;

internal sealed record LikeResult(bool Liked, int LikeCount, int LikesCount);

internal sealed record RepostResult(bool Reposted, int RepostCount, PostView? Post);

internal sealed record SaveResult(bool Saved, string? Collection);

internal sealed record PinResult(bool IsPinned, int PinnedCount);

internal sealed record PinnedOrder(IReadOnlyList<string> PostIds);

internal sealed record BlurResult(string ReplyId, bool Blurred);

/// <summary>What people do to posts: like, repost, save, pin, vote, blur a reply.</summary>
internal sealed class PostInteractions(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    PostService posts,
    PostViews views,
    Relations relations)
{
    /// <summary>Likes, or unlikes when already liked. A like tells the author (<c>post-liked</c>).</summary>
    public async Task<LikeResult> ToggleLikeAsync(Caller caller, string postId, CancellationToken ct)
    {
        var post = await posts.RequireVisibleAsync(postId, caller.AccountId, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var removed = await db.Set<LikeRow>().Where(l => l.PostId == post.Id && l.AccountId == caller.AccountId).ExecuteDeleteAsync(ct);
        bool liked;
        if (removed > 0)
        {
            await posts.Bump(post.Id, p => p.LikeCount, -1, ct);
            liked = false;
        }
        else
        {
            db.Add(new LikeRow { PostId = post.Id, AccountId = caller.AccountId, CreatedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(ct);
            await posts.Bump(post.Id, p => p.LikeCount, 1, ct);
            if (post.AuthorId != caller.AccountId)
            {
                posts.Publish(MindSwarmEvents.PostLiked, post, post.AuthorId,
                    new PostEventData(post.Id, post.ShortId, post.AuthorId, caller.AccountId), toAccount: true);
                await db.SaveChangesAsync(ct);
            }
            liked = true;
        }
        await transaction.CommitAsync(ct);
        // The count this caller's GET shows (shadow-banned accounts' likes left out for others).
        var count = (await views.CountersAsync(post.Id, caller.AccountId, ct)).Likes;
        return new LikeResult(liked, count, count);
    }

    /// <summary>With content: a quote post. Without: a plain repost, or undoing it when already reposted.</summary>
    public async Task<RepostResult> RepostAsync(Author author, string postId, string? content, CancellationToken ct)
    {
        var caller = author.Caller;
        var original = await posts.RequireVisibleAsync(postId, caller.AccountId, ct);
        if (original.RepostOfId is { } inner)
        {
            // Reposting a repost reposts what it carries.
            original = await posts.RequireVisibleAsync(inner, caller.AccountId, ct);
        }
        if (!string.IsNullOrWhiteSpace(content))
        {
            var quote = await posts.CreateAsync(author, new CreatePostRequest { Content = content, QuotedPost = original.Id }, ct);
            return new RepostResult(true, (await views.CountersAsync(original.Id, caller.AccountId, ct)).Reposts,
                await views.CreatedAsync(quote, caller.AccountId, ct));
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var undone = await db.Set<PostRow>()
            .Where(p => p.AuthorId == caller.AccountId && p.RepostOfId == original.Id && p.DeletedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.DeletedAt, now), ct);
        PostView? view = null;
        if (undone > 0)
        {
            await posts.Bump(original.Id, p => p.RepostCount, -undone, ct);
            await db.Set<ProfileRow>().Where(p => p.AccountId == caller.AccountId)
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.PostCount, p => p.PostCount - undone), ct);
        }
        else
        {
            var repost = new PostRow
            {
                Id = ids.New("post"),
                ShortId = ContentRules.NewShortId(),
                AuthorId = caller.AccountId,
                Content = "",
                RepostOfId = original.Id,
                IsAiGenerated = original.IsAiGenerated,
                ViaAppId = author.App?.Id,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Add(repost);
            await db.SaveChangesAsync(ct);
            await posts.PublishAsync(repost, ct);
            await posts.Bump(original.Id, p => p.RepostCount, 1, ct);
            if (original.AuthorId != caller.AccountId)
            {
                posts.Publish(MindSwarmEvents.PostReposted, repost, original.AuthorId,
                    new PostEventData(repost.Id, repost.ShortId, original.AuthorId, caller.AccountId, original.Id), toAccount: false);
                await db.SaveChangesAsync(ct);
            }
            view = await views.OneAsync(repost, caller.AccountId, ct);
        }
        await transaction.CommitAsync(ct);
        var count = (await views.CountersAsync(original.Id, caller.AccountId, ct)).Reposts;
        return new RepostResult(undone == 0, count, view);
    }

    /// <summary>Saves (into an optional collection) or unsaves; without <c>save</c>, toggles.</summary>
    public async Task<SaveResult> SaveAsync(Caller caller, string postId, bool? save, string? collection, CancellationToken ct)
    {
        var post = await posts.RequireVisibleAsync(postId, caller.AccountId, ct);
        var name = string.IsNullOrWhiteSpace(collection) ? null : collection.Trim();
        if (name is { Length: > 100 })
        {
            throw Problem.Invalid("collection", "collection must be at most 100 characters");
        }
        var existing = await db.Set<SaveRow>().FirstOrDefaultAsync(s => s.PostId == post.Id && s.AccountId == caller.AccountId, ct);
        var wanted = save ?? existing is null;
        if (wanted && existing is null)
        {
            db.Add(new SaveRow { PostId = post.Id, AccountId = caller.AccountId, Collection = name, CreatedAt = clock.GetUtcNow().UtcDateTime });
            try
            {
                await db.SaveChangesAsync(ct);
                await posts.Bump(post.Id, p => p.SaveCount, 1, ct);
            }
            catch (DbUpdateException)
            {
                // Saved meanwhile by a concurrent request: the outcome is the same.
                db.ChangeTracker.Clear();
            }
        }
        else if (wanted && existing is not null)
        {
            existing.Collection = name;
            await db.SaveChangesAsync(ct);
        }
        else if (!wanted && existing is not null)
        {
            if (await db.Set<SaveRow>().Where(s => s.PostId == post.Id && s.AccountId == caller.AccountId).ExecuteDeleteAsync(ct) > 0)
            {
                await posts.Bump(post.Id, p => p.SaveCount, -1, ct);
            }
        }
        return new SaveResult(wanted, wanted ? name : null);
    }

    /// <summary>Pins one of the caller's own posts to their profile (at most 3), or unpins it.</summary>
    public async Task<PinResult> TogglePinAsync(Caller caller, string postId, CancellationToken ct)
    {
        var post = await posts.RequireAsync(postId, ct);
        if (post.AuthorId != caller.AccountId)
        {
            throw Problem.Forbidden("You can only pin your own posts", "NOT_POST_AUTHOR");
        }
        var pins = await db.Set<PinRow>().Where(p => p.AccountId == caller.AccountId).OrderBy(p => p.Position).ToListAsync(ct);
        if (pins.FirstOrDefault(p => p.PostId == post.Id) is { } pinned)
        {
            db.Remove(pinned);
            await db.SaveChangesAsync(ct);
            return new PinResult(false, pins.Count - 1);
        }
        if (pins.Count >= ContentRules.MaxPinned)
        {
            throw Problem.BadRequest($"You can pin at most {ContentRules.MaxPinned} posts", "PIN_LIMIT_REACHED");
        }
        db.Add(new PinRow { AccountId = caller.AccountId, PostId = post.Id, Position = pins.Count == 0 ? 0 : pins[^1].Position + 1 });
        await db.SaveChangesAsync(ct);
        return new PinResult(true, pins.Count + 1);
    }

    /// <summary>Orders the pinned posts as given (the same posts, in their new order).</summary>
    public async Task<PinnedOrder> ReorderPinsAsync(Caller caller, IReadOnlyList<string>? postIds, CancellationToken ct)
    {
        if (postIds is null || postIds.Count == 0)
        {
            throw Problem.Invalid("postIds", "postIds is required");
        }
        var pins = await db.Set<PinRow>().Where(p => p.AccountId == caller.AccountId).ToListAsync(ct);
        var resolved = new List<string>();
        foreach (var id in postIds)
        {
            resolved.Add((await posts.RequireAsync(id ?? "", ct)).Id);
        }
        if (resolved.Distinct().Count() != resolved.Count || resolved.Count != pins.Count || resolved.Any(id => pins.All(p => p.PostId != id)))
        {
            throw Problem.Invalid("postIds", "postIds must list exactly your pinned posts");
        }
        foreach (var pin in pins)
        {
            pin.Position = resolved.IndexOf(pin.PostId);
        }
        await db.SaveChangesAsync(ct);
        return new PinnedOrder(resolved);
    }

    /// <summary>One vote per account, before the poll's end time.</summary>
    public async Task<PollView> VoteAsync(Caller caller, string postId, int? optionIndex, CancellationToken ct)
    {
        var post = await posts.RequireVisibleAsync(postId, caller.AccountId, ct);
        if (post.PollEndsAt is not { } ends)
        {
            throw Problem.BadRequest("This post has no poll", "NO_POLL");
        }
        if (post.PollClosed || clock.GetUtcNow().UtcDateTime >= ends)
        {
            throw Problem.BadRequest("This poll has ended", "POLL_CLOSED");
        }
        var count = await db.Set<PollOptionRow>().CountAsync(o => o.PostId == post.Id, ct);
        if (optionIndex is not { } index || index < 0 || index >= count)
        {
            throw Problem.Invalid("optionIndex", $"optionIndex must be 0-{count - 1}");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Insert-first on (poll, account): a second vote, even a concurrent one, is refused.
        db.Add(new PollVoteRow { PostId = post.Id, AccountId = caller.AccountId, Position = index, CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            throw Problem.BadRequest("You have already voted in this poll", "ALREADY_VOTED");
        }
        await db.Set<PollOptionRow>().Where(o => o.PostId == post.Id && o.Position == index)
            .ExecuteUpdateAsync(u => u.SetProperty(o => o.Votes, o => o.Votes + 1), ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        var fresh = await db.Set<PostRow>().AsNoTracking().FirstAsync(p => p.Id == post.Id, ct);
        return (await views.OneAsync(fresh, caller.AccountId, ct)).Poll!;
    }

    /// <summary>The post's author blurs (or unblurs) a reply under it.</summary>
    public async Task<BlurResult> BlurReplyAsync(Caller caller, string postId, string replyId, bool? blur, CancellationToken ct)
    {
        var post = await posts.RequireAsync(postId, ct);
        if (post.AuthorId != caller.AccountId)
        {
            throw Problem.Forbidden("Only the post's author can blur its replies", "NOT_POST_AUTHOR");
        }
        var reply = await posts.RequireAsync(replyId, ct);
        if (reply.ReplyToId != post.Id)
        {
            throw Problem.NotFound("Reply not found", "POST_NOT_FOUND");
        }
        reply.ReplyBlurred = blur ?? !reply.ReplyBlurred;
        await db.SaveChangesAsync(ct);
        return new BlurResult(reply.Id, reply.ReplyBlurred);
    }

    /// <summary>Whether the viewer is hidden from the author or the other way round (for reply lists).</summary>
    public IQueryable<string> HiddenFrom(string viewerId) => relations.HiddenFrom(viewerId);
}
