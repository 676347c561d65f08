using Microsoft.EntityFrameworkCore;
using Mindstack.MindSwarm.Groups;
using Mindstack.MindSwarm.Storage;
using Mindstack.MindSwarm.Users;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Events;
using Mindstack.Platform.Http;
using Mindstack.Platform.Jobs;
using Mindstack.Platform.Storage;

namespace Mindstack.MindSwarm.Posts;

internal sealed record CreatePostRequest
{
    public string? Content { get; init; }
    public List<MediaRequest>? Media { get; init; }
    public string? ReplyTo { get; init; }
    public string? QuotedPost { get; init; }
    public List<string>? PollOptions { get; init; }
    /// <summary>Hours, 1–168 (default 24).</summary>
    public int? PollDuration { get; init; }
    public string? ReplyAudience { get; init; }
    public string? ContentWarning { get; init; }
    public DateTime? ScheduledAt { get; init; }
    public bool? IsAiGenerated { get; init; }
}

/// <summary>Who makes a post: the account, and the developer app when an app key is used.</summary>
internal sealed record Author(Caller Caller, DeveloperAppRow? App);

/// <summary>A post just made, with its author's summary (read while posting, so the answer need not read it again).</summary>
internal sealed record CreatedPost(PostRow Row, UserSummary Author);

/// <summary>What posting reads of its author: the username, the profile (null before its first use) and the shadow ban.</summary>
internal sealed record AuthorState(string? Username, ProfileRow? Profile, bool ShadowBanned);

/// <summary>Posts: create (now or scheduled), publish, edit with history, delete, and the rules each follows.</summary>
internal sealed class PostService(
    MindstackDbContext db,
    IIdGenerator ids,
    TimeProvider clock,
    ProfileService profiles,
    Relations relations,
    MediaReferences media,
    IEventOutbox events,
    IJobQueue jobs,
    IAiEngine ai,
    IAiRouting aiRouting,
    MindSwarmDialect dialect)
{
    // Read on every post: compiled once per model, so a post builds, walks and hashes no LINQ tree for it.
    // The shadow ban is Bans.ShadowBanned's predicate, written out (a compiled query cannot call it).
    private static readonly CompiledQuery<Func<MindstackDbContext, string, DateTime, CancellationToken, Task<AuthorState?>>> AuthorStateOf = new(() =>
        EF.CompileAsyncQuery((MindstackDbContext db, string accountId, DateTime now, CancellationToken _) => (
                from account in db.Set<Account>().AsNoTracking()
                where account.Id == accountId
                join p in db.Set<ProfileRow>().AsNoTracking() on account.Id equals p.AccountId into found
                from p in found.DefaultIfEmpty()
                select new AuthorState(account.Username, p, db.Set<Moderation.BanRow>().Any(b => b.AccountId == account.Id
                    && b.Type == Moderation.BanTypes.Shadow && b.LiftedAt == null && (b.ExpiresAt == null || b.ExpiresAt > now))))
            .FirstOrDefault()));

    /// <summary>A post by id or shortId (not deleted); NOT_FOUND otherwise.</summary>
    public async Task<PostRow> RequireAsync(string idOrShortId, CancellationToken ct)
    {
        var key = idOrShortId?.Trim() ?? "";
        var row = key.Length is 0 or > 64 ? null
            : await db.Set<PostRow>().FirstOrDefaultAsync(p => (p.Id == key || p.ShortId == key) && p.DeletedAt == null, ct);
        return row ?? throw Problem.NotFound("Post not found", "POST_NOT_FOUND");
    }

    /// <summary>A post the viewer may see: published (or their own), no block between them, not a private author's they do not follow.</summary>
    public async Task<PostRow> RequireVisibleAsync(string idOrShortId, string? viewerId, CancellationToken ct)
    {
        var row = await RequireAsync(idOrShortId, ct);
        if (row.AuthorId == viewerId)
        {
            return row;
        }
        if (row.PublishedAt is null
            || (viewerId is not null && await relations.IsBlockedEitherWayAsync(viewerId, row.AuthorId, ct))
            || !await relations.CanSeePostsOfAsync(row.AuthorId, viewerId, ct)
            || await relations.IsShadowBannedAsync(row.AuthorId, ct)
            || (row.GroupId is { } groupId && !await GroupAccess.CanReadPostAsync(db, groupId, row.AuthorId, viewerId, ct)))
        {
            throw Problem.NotFound("Post not found", "POST_NOT_FOUND");
        }
        return row;
    }

    /// <summary>Creates a post (in <paramref name="groupId"/> for a group post), in the caller's transaction when one is open.</summary>
    public async Task<PostRow> CreateAsync(Author author, CreatePostRequest request, CancellationToken ct, string? groupId = null) =>
        (await CreateWithAuthorAsync(author, request, ct, groupId)).Row;

    /// <summary>
    /// Creates a post and answers its author's summary too. Every read and every CPU step (content
    /// rules, moderation, hashtags, mentions, the built-in AI detection) comes before the write
    /// transaction, which then holds only the counter update and one INSERT batch: on SQLite that
    /// transaction holds the one write lock, so its length bounds posts per second.
    /// </summary>
    public async Task<CreatedPost> CreateWithAuthorAsync(Author author, CreatePostRequest request, CancellationToken ct, string? groupId = null)
    {
        var caller = author.Caller;
        var now = clock.GetUtcNow().UtcDateTime;
        var items = await media.ResolveAsync(caller.AccountId, request.Media, ct);
        var content = ContentRules.Content(request.Content, allowEmpty: items.Count > 0);
        await EnforceContentPolicyAsync(content, ct);
        var audience = (request.ReplyAudience ?? "both").Trim().ToLowerInvariant();
        if (!ContentRules.ReplyAudiences.Contains(audience))
        {
            throw Problem.Invalid("replyAudience", "replyAudience must be both, humans or ai");
        }
        var warning = string.IsNullOrWhiteSpace(request.ContentWarning) ? null : request.ContentWarning.Trim();
        if (warning is { Length: > ContentRules.MaxContentWarningLength })
        {
            throw Problem.Invalid("contentWarning", $"contentWarning must be at most {ContentRules.MaxContentWarningLength} characters");
        }
        // The author's username, profile and shadow ban in one query (a profile is made on first use).
        var state = await AuthorStateOf.For(db)(db, caller.AccountId, now, ct);
        var profile = state?.Profile ?? await profiles.EnsureAsync(caller.AccountId, ct: ct);
        var shadowBanned = state?.ShadowBanned ?? await relations.IsShadowBannedAsync(caller.AccountId, ct);
        var isAi = profile.BadgeList.Contains(ProfileService.AiBadge) || (request.IsAiGenerated ?? caller.IsApiKey);

        PostRow? parent = null;
        if (!string.IsNullOrWhiteSpace(request.ReplyTo))
        {
            parent = await RequireVisibleAsync(request.ReplyTo, caller.AccountId, ct);
            if (parent.AuthorId != caller.AccountId)
            {
                if (parent.ReplyAudience == "humans" && isAi)
                {
                    throw Problem.Forbidden("Only humans may reply to this post", "REPLY_AUDIENCE_RESTRICTED");
                }
                if (parent.ReplyAudience == "ai" && !isAi)
                {
                    throw Problem.Forbidden("Only AI agents may reply to this post", "REPLY_AUDIENCE_RESTRICTED");
                }
            }
        }
        // A reply to a group post stays in the group, and only its members may make one.
        if (parent?.GroupId is { } parentGroup)
        {
            if (groupId is not null && groupId != parentGroup)
            {
                throw Problem.Invalid("replyTo", "A reply stays in its post's group");
            }
            if (!await GroupAccess.IsActiveMemberAsync(db, parentGroup, caller.AccountId, ct))
            {
                throw Problem.Forbidden("Join the group to reply in it", "NOT_A_MEMBER");
            }
            groupId = parentGroup;
        }
        PostRow? quoted = null;
        if (!string.IsNullOrWhiteSpace(request.QuotedPost))
        {
            quoted = await RequireVisibleAsync(request.QuotedPost, caller.AccountId, ct);
        }
        List<string>? pollOptions = null;
        DateTime? pollEnds = null;
        if (request.PollOptions is { Count: > 0 } asked)
        {
            pollOptions = asked.Select(o => o?.Trim() ?? "").ToList();
            if (pollOptions.Count is < ContentRules.MinPollOptions or > ContentRules.MaxPollOptions)
            {
                throw Problem.Invalid("pollOptions", $"A poll has {ContentRules.MinPollOptions}-{ContentRules.MaxPollOptions} options");
            }
            if (pollOptions.Any(o => o.Length is 0 or > ContentRules.MaxPollOptionLength))
            {
                throw Problem.Invalid("pollOptions", $"Each option is 1-{ContentRules.MaxPollOptionLength} characters");
            }
            var hours = request.PollDuration ?? 24;
            if (hours is < ContentRules.MinPollHours or > ContentRules.MaxPollHours)
            {
                throw Problem.Invalid("pollDuration", $"pollDuration is {ContentRules.MinPollHours}-{ContentRules.MaxPollHours} hours");
            }
            pollEnds = (request.ScheduledAt?.ToUniversalTime() ?? now).AddHours(hours);
        }
        else if (request.PollDuration is not null)
        {
            throw Problem.Invalid("pollOptions", "pollDuration needs pollOptions");
        }
        DateTime? scheduled = null;
        if (request.ScheduledAt is { } at)
        {
            scheduled = at.ToUniversalTime();
            if (scheduled <= now)
            {
                throw Problem.Invalid("scheduledAt", "scheduledAt must be in the future");
            }
            if (scheduled > now.AddDays(365))
            {
                throw Problem.Invalid("scheduledAt", "scheduledAt must be within a year");
            }
        }

        var row = new PostRow
        {
            Id = ids.New("post"),
            ShortId = ContentRules.NewShortId(),
            AuthorId = caller.AccountId,
            Content = content,
            MediaJson = PostViews.WriteMedia(items),
            ReplyToId = parent?.Id,
            ThreadRootId = parent is null ? null : parent.ThreadRootId ?? parent.Id,
            QuotedPostId = quoted?.Id,
            ReplyAudience = audience,
            ContentWarning = warning,
            PollEndsAt = pollEnds,
            ScheduledAt = scheduled,
            IsAiGenerated = isAi,
            ViaAppId = author.App?.Id,
            GroupId = groupId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Add(row);
        for (var i = 0; i < (pollOptions?.Count ?? 0); i++)
        {
            db.Add(new PollOptionRow { PostId = row.Id, Position = i, Text = pollOptions![i] });
        }
        await IndexAsync(row, ct);
        if (scheduled is null && !aiRouting.Describe()[AiOperation.DetectGenerated].Remote)
        {
            (row.AiDetectionJson, row.AiVerdict) = await DetectAiJob.DetectAsync(ai, row.Content, clock, dialect, ct);
        }
        // A group post or a published draft writes its own rows and events in the same transaction.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        if (scheduled is { } runAt)
        {
            jobs.Enqueue<PublishScheduledPostJob>(new PostJobPayload(row.Id), new JobOptions { RunAt = runAt });
            await db.SaveChangesAsync(ct);
        }
        else
        {
            // The post, its hashtags, mentions, events and jobs go in one INSERT batch (PublishAsync saves).
            await PublishAsync(row, ct, shadowBanned);
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return new CreatedPost(row, UserSummary.Of(caller.AccountId, state?.Username, profile));
    }

    /// <summary>
    /// Puts a post out: published time, counters (author's posts, parent's replies, quoted post's
    /// quotes), its events (created, reply, quote, mentions), its AI detection (inline when the
    /// engine that detects is the built-in one: a fraction of a millisecond, cheaper than a job's
    /// three write transactions; else a job) and its
    /// jobs (poll close, link preview) — all in the caller's transaction, written by one SaveChanges
    /// (a new post: one INSERT batch with its hashtags and mentions). <paramref name="authorShadowBanned"/>
    /// is the author's shadow ban when the caller has read it already; detection already made (before
    /// the transaction) is kept.
    /// </summary>
    public async Task PublishAsync(PostRow row, CancellationToken ct, bool? authorShadowBanned = null)
    {
        var isNew = db.Entry(row).State == EntityState.Added;
        var now = clock.GetUtcNow().UtcDateTime;
        // Milliseconds, so a feed cursor compares the same on both databases.
        row.PublishedAt = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        row.UpdatedAt = now;
        await profiles.AdjustPostsAsync(row.AuthorId, 1, ct);
        var data = new PostEventData(row.Id, row.ShortId, row.AuthorId, row.AuthorId, Content: Preview(row.Content));
        // A shadow-banned author's new post is not sent live to followers (its notifications are skipped by the Notifier).
        Publish(MindSwarmEvents.PostCreated, row, row.AuthorId, data, toAccount: false, live: !(authorShadowBanned ?? await relations.IsShadowBannedAsync(row.AuthorId, ct)));
        if (row.ReplyToId is { } parentId)
        {
            await Bump(parentId, p => p.ReplyCount, 1, ct);
            var parentAuthor = await AuthorOfAsync(parentId, ct);
            if (parentAuthor != row.AuthorId)
            {
                Publish(MindSwarmEvents.PostReplied, row, parentAuthor, data with { TargetPostId = parentId }, toAccount: false);
            }
        }
        if (row.QuotedPostId is { } quotedId)
        {
            await Bump(quotedId, p => p.QuoteCount, 1, ct);
            var quotedAuthor = await AuthorOfAsync(quotedId, ct);
            if (quotedAuthor != row.AuthorId)
            {
                Publish(MindSwarmEvents.PostQuoted, row, quotedAuthor, data with { TargetPostId = quotedId }, toAccount: false);
            }
        }
        // A group post's mentions are the group's to announce (group-mentioned, to members only).
        // A new post's mentions are still in the change tracker (IndexAsync added them), not yet in the database.
        var mentioned = row.GroupId is not null ? []
            : isNew ? db.Set<MentionRow>().Local.Where(m => m.PostId == row.Id).Select(m => m.AccountId).ToList()
            : await db.Set<MentionRow>().Where(m => m.PostId == row.Id).Select(m => m.AccountId).ToListAsync(ct);
        foreach (var accountId in mentioned)
        {
            Publish(MindSwarmEvents.PostMentioned, row, accountId, data, toAccount: false);
        }
        if (row.PollEndsAt is { } ends)
        {
            jobs.Enqueue<ClosePollJob>(new PostJobPayload(row.Id), new JobOptions { RunAt = ends });
        }
        if (aiRouting.Describe()[AiOperation.DetectGenerated].Remote)
        {
            jobs.Enqueue<DetectAiJob>(new PostJobPayload(row.Id));
        }
        else if (row.AiDetectionJson is null)
        {
            (row.AiDetectionJson, row.AiVerdict) = await DetectAiJob.DetectAsync(ai, row.Content, clock, dialect, ct);
        }
        if (LinkPreviews.LinkPreviewReader.FirstUrl(row.Content) is not null)
        {
            jobs.Enqueue<LinkPreviews.FetchLinkPreviewJob>(new PostJobPayload(row.Id));
        }
        if (row.CryptoAnalysisJson is null && Crypto.CryptoReferences.Find(row.Content).Count > 0)
        {
            jobs.Enqueue<Crypto.AnalyzeCryptoJob>(new PostJobPayload(row.Id));
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The author of a post this request already loaded (a reply's parent, a quoted post), else read.</summary>
    private async Task<string> AuthorOfAsync(string postId, CancellationToken ct) =>
        db.Set<PostRow>().Local.FirstOrDefault(p => p.Id == postId)?.AuthorId
        ?? await db.Set<PostRow>().Where(p => p.Id == postId).Select(p => p.AuthorId).FirstAsync(ct);

    /// <summary>Replaces the content within 24 hours of posting; the earlier version goes to the history.</summary>
    public async Task<PostRow> EditAsync(Caller caller, string idOrShortId, string? content, CancellationToken ct)
    {
        var row = await RequireAsync(idOrShortId, ct);
        if (row.AuthorId != caller.AccountId)
        {
            throw Problem.Forbidden("You can only edit your own posts", "NOT_POST_AUTHOR");
        }
        if (row.RepostOfId is not null)
        {
            throw Problem.BadRequest("A repost cannot be edited");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (now - row.CreatedAt > ContentRules.EditWindow)
        {
            throw Problem.Forbidden("Posts can only be edited within 24 hours", "EDIT_WINDOW_EXPIRED");
        }
        var text = ContentRules.Content(content, allowEmpty: PostViews.ReadMedia(row.MediaJson).Count > 0);
        if (text == row.Content)
        {
            return row;
        }
        await EnforceContentPolicyAsync(text, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(new PostEditRow { Id = ids.New("edit"), PostId = row.Id, Content = row.Content, EditedAt = now });
        // A link added, changed or removed: the old preview is stale, and a new link gets its own.
        var link = LinkPreviews.LinkPreviewReader.FirstUrl(text);
        var linkChanged = link?.AbsoluteUri != LinkPreviews.LinkPreviewReader.FirstUrl(row.Content)?.AbsoluteUri;
        if (linkChanged)
        {
            row.LinkPreviewJson = null;
        }
        // Addresses added, changed or removed: the old analysis is stale, and new addresses get their own.
        var cryptoKey = Crypto.CryptoReferences.Key(text);
        if (cryptoKey != Crypto.CryptoReferences.Key(row.Content))
        {
            row.CryptoAnalysisJson = null;
        }
        row.Content = text;
        row.EditedAt = now;
        row.UpdatedAt = now;
        row.AiDetectionJson = null;
        row.AiVerdict = null;
        await db.Set<HashtagRow>().Where(h => h.PostId == row.Id).ExecuteDeleteAsync(ct);
        await db.Set<MentionRow>().Where(m => m.PostId == row.Id).ExecuteDeleteAsync(ct);
        await IndexAsync(row, ct);
        if (row.PublishedAt is not null)
        {
            jobs.Enqueue<DetectAiJob>(new PostJobPayload(row.Id));
            if (linkChanged && link is not null)
            {
                jobs.Enqueue<LinkPreviews.FetchLinkPreviewJob>(new PostJobPayload(row.Id));
            }
            // Also when the addresses are the same but their analysis is not stored yet: a job
            // running on the text before this edit will not store its result.
            if (cryptoKey.Length > 0 && row.CryptoAnalysisJson is null)
            {
                jobs.Enqueue<Crypto.AnalyzeCryptoJob>(new PostJobPayload(row.Id));
            }
            Publish(MindSwarmEvents.PostUpdated, row, row.AuthorId,
                new PostEventData(row.Id, row.ShortId, row.AuthorId, row.AuthorId, Content: Preview(row.Content)), toAccount: false);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return row;
    }

    /// <summary>Deletes a post (its author, or a moderator): hidden everywhere, counters given back.</summary>
    public async Task DeleteAsync(Caller caller, string idOrShortId, CancellationToken ct)
    {
        var row = await RequireAsync(idOrShortId, ct);
        if (row.AuthorId != caller.AccountId && !caller.IsInRole(AccountRoles.Moderator))
        {
            throw Problem.Forbidden("You can only delete your own posts", "NOT_POST_AUTHOR");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var deleted = await db.Set<PostRow>().Where(p => p.Id == row.Id && p.DeletedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(p => p.DeletedAt, now).SetProperty(p => p.UpdatedAt, now), ct);
        if (deleted == 1 && row.PublishedAt is not null)
        {
            await profiles.AdjustPostsAsync(row.AuthorId, -1, ct);
            if (row.ReplyToId is { } parent)
            {
                await Bump(parent, p => p.ReplyCount, -1, ct);
            }
            if (row.QuotedPostId is { } quoted)
            {
                await Bump(quoted, p => p.QuoteCount, -1, ct);
            }
            if (row.RepostOfId is { } original)
            {
                await Bump(original, p => p.RepostCount, -1, ct);
            }
        }
        await db.Set<PinRow>().Where(p => p.PostId == row.Id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Section 23: no sexual content, threats of violence, harassment or hate. The platform's
    /// moderation scores the text; a post scoring at least <see cref="ContentRules.RefuseAt"/> in one
    /// of those categories is refused with the categories named.
    /// </summary>
    private async Task EnforceContentPolicyAsync(string content, CancellationToken ct)
    {
        if (content.Length == 0)
        {
            return;
        }
        var moderation = (await ai.ModerateAsync(content, cancellationToken: ct)).Value;
        var broken = ContentRules.RefusedCategories.Where(c => moderation.Categories.GetValueOrDefault(c) >= ContentRules.RefuseAt).ToList();
        if (broken.Count > 0)
        {
            throw Problem.Invalid("content", $"This post breaks the content rules ({string.Join(", ", broken)})", "CONTENT_POLICY_VIOLATION");
        }
    }

    /// <summary>Stores the hashtags and the mentioned accounts (existing, not blocked either way, not the author).</summary>
    private async Task IndexAsync(PostRow row, CancellationToken ct)
    {
        foreach (var tag in ContentRules.Hashtags(row.Content))
        {
            db.Add(new HashtagRow { PostId = row.Id, Tag = tag, CreatedAt = row.CreatedAt });
        }
        var names = ContentRules.Mentions(row.Content);
        if (names.Count == 0)
        {
            return;
        }
        var accounts = await db.Set<Account>().Where(a => a.NormalizedUsername != null && names.Contains(a.NormalizedUsername))
            .Select(a => a.Id).ToListAsync(ct);
        foreach (var accountId in accounts.Where(a => a != row.AuthorId))
        {
            if (!await relations.IsBlockedEitherWayAsync(row.AuthorId, accountId, ct))
            {
                db.Add(new MentionRow { PostId = row.Id, AccountId = accountId });
            }
        }
    }

    /// <summary>Adds to one of a post's counters in one atomic update.</summary>
    public Task<int> Bump(string postId, System.Linq.Expressions.Expression<Func<PostRow, int>> counter, int by, CancellationToken ct)
    {
        return db.Set<PostRow>().Where(p => p.Id == postId)
            .ExecuteUpdateAsync(u => u.SetProperty(counter, Add(counter, by)), ct);
    }

    private static System.Linq.Expressions.Expression<Func<PostRow, int>> Add(System.Linq.Expressions.Expression<Func<PostRow, int>> counter, int by)
    {
        var body = System.Linq.Expressions.Expression.Add(counter.Body, System.Linq.Expressions.Expression.Constant(by));
        return System.Linq.Expressions.Expression.Lambda<Func<PostRow, int>>(body, counter.Parameters);
    }

    public void Publish(string type, PostRow post, string accountId, object data, bool toAccount, bool live = true) =>
        events.Publish(new NewEvent(type, "post", post.Id)
        {
            AccountId = accountId,
            Api = MindSwarmApi.Name,
            Data = data,
            Json = dialect.Json,
            ToAccountChannel = toAccount,
            // A new post also goes live to the author's followers (their sockets join this channel);
            // a group post goes only to the group's room (GroupService), never to followers outside it.
            Channels = live && type == MindSwarmEvents.PostCreated && post.GroupId is null ? [Realtime.MindSwarmSocket.AuthorChannel(post.AuthorId)] : null,
        });

    private static string Preview(string content) => content.Length <= 200 ? content : content[..200];
}
